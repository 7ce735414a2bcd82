using System.Globalization;

namespace Laevitas.Grains.Retention;

/// <summary>One daily partition of a market-data table: <c>{table}_YYYYMMDD</c> holds the UTC day <see cref="Day"/>.</summary>
public sealed record DailyPartition(string Table, string Name, DateOnly Day)
{
    /// <summary>
    /// The partition named <paramref name="name"/> of <paramref name="table"/>, or null when the name is not one that
    /// <c>ensure_daily_partition</c> (Storage/Sql/015_daily_partitions.sql) makes: such a table was attached by
    /// someone else, and retention leaves it alone.
    /// </summary>
    public static DailyPartition? TryParse(string table, string name)
    {
        var prefix = table + "_";
        if (!name.StartsWith(prefix, StringComparison.Ordinal)
            || name.Length != prefix.Length + 8
            || !DateOnly.TryParseExact(name.AsSpan(prefix.Length), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return null;
        }

        return new DailyPartition(table, name, day);
    }
}
