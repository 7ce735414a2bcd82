using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;

namespace Laevitas.Grains.Storage;

/// <summary>
/// The market-data tables partitioned by UTC day (<c>{table}_YYYYMMDD</c>, Storage/Sql/015_daily_partitions.sql), and
/// the writers' side of it: makes sure a day's partition exists before rows of that day are inserted, asking the
/// database only the first time this silo meets a (table, day) (and then also for the next day, so midnight finds its
/// partition ready).
/// </summary>
public sealed class DailyPartitions
{
    /// <summary>Ticker rows (Storage/Sql/020_deribit_prices.sql).</summary>
    public const string Prices = "deribit_prices";

    /// <summary>Trades (Storage/Sql/022_deribit_trades.sql).</summary>
    public const string Trades = "deribit_trades";

    private const long DayMs = 86_400_000;

    private readonly ConcurrentDictionary<(string Table, long Day), byte> knownDays = new();

    /// <summary>
    /// Every table partitioned by day: retention drops old partitions of each (Laevitas.Grains/Retention). A new
    /// daily-partitioned table is added here, and its writer stores through <see cref="WriteAsync{T}"/>.
    /// </summary>
    public static IReadOnlyList<string> Tables { get; } = [Prices, Trades];

    /// <summary>
    /// Creates, if missing, the partitions of <paramref name="table"/> for the UTC <paramref name="days"/> (days since
    /// 1970-01-01), then runs <paramref name="write"/>. If the write finds a partition missing all the same (retention
    /// dropped it since this silo created it, 23514 "no partition of relation found for row"), forgets what it knew,
    /// so that the caller's retry creates it again, and rethrows.
    /// </summary>
    public async Task<T> WriteAsync<T>(
        NpgsqlConnection connection, string table, IEnumerable<long> days, Func<Task<T>> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        try
        {
            await EnsureAsync(connection, table, days, cancellationToken).ConfigureAwait(false);
            return await write().ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.CheckViolation)
        {
            Forget();
            throw;
        }
    }

    /// <summary>Forgets what it knew: a partition was dropped (e.g. by retention) and must be created again.</summary>
    public void Forget() => knownDays.Clear();

    /// <summary>UTC day (days since 1970-01-01) of an exchange timestamp in ms.</summary>
    public static long DayOf(long timestampMs) => Math.DivRem(timestampMs, DayMs) is var (q, r) && r < 0 ? q - 1 : q;

    private async Task EnsureAsync(NpgsqlConnection connection, string table, IEnumerable<long> days, CancellationToken cancellationToken)
    {
        foreach (var day in days)
        {
            if (knownDays.ContainsKey((table, day)))
            {
                continue;
            }

            await using var command = new NpgsqlCommand("SELECT ensure_daily_partition(@table, @day); SELECT ensure_daily_partition(@table, @next)", connection);
            command.Parameters.AddWithValue("table", table);
            command.Parameters.Add(new NpgsqlParameter<DateOnly>("day", NpgsqlDbType.Date) { TypedValue = DateOnly.FromDayNumber(DayNumber(day)) });
            command.Parameters.Add(new NpgsqlParameter<DateOnly>("next", NpgsqlDbType.Date) { TypedValue = DateOnly.FromDayNumber(DayNumber(day + 1)) });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            knownDays.TryAdd((table, day), 0);
            knownDays.TryAdd((table, day + 1), 0);
        }
    }

    private static int DayNumber(long unixDay) => checked((int)(unixDay + DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber));
}
