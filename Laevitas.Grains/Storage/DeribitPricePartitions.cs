using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;

namespace Laevitas.Grains.Storage;

/// <summary>
/// Makes sure the daily partitions of <c>deribit_prices</c> exist before rows for a day are inserted, asking the
/// database only the first time this silo meets a day (and then also for the next day, so midnight finds its
/// partition ready).
/// </summary>
public sealed class DeribitPricePartitions
{
    private const long DayMs = 86_400_000;

    private readonly ConcurrentDictionary<long, byte> knownDays = new();

    /// <summary>Creates, if missing, the partitions for the UTC <paramref name="days"/> (days since 1970-01-01).</summary>
    public async Task EnsureAsync(NpgsqlConnection connection, IEnumerable<long> days, CancellationToken cancellationToken)
    {
        foreach (var day in days)
        {
            if (knownDays.ContainsKey(day))
            {
                continue;
            }

            await using var command = new NpgsqlCommand("SELECT deribit_prices_ensure_partition(@day); SELECT deribit_prices_ensure_partition(@next)", connection);
            command.Parameters.Add(new NpgsqlParameter<DateOnly>("day", NpgsqlDbType.Date) { TypedValue = DateOnly.FromDayNumber(DayNumber(day)) });
            command.Parameters.Add(new NpgsqlParameter<DateOnly>("next", NpgsqlDbType.Date) { TypedValue = DateOnly.FromDayNumber(DayNumber(day + 1)) });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            knownDays.TryAdd(day, 0);
            knownDays.TryAdd(day + 1, 0);
        }
    }

    /// <summary>Forgets what it knew: a partition was dropped (e.g. by retention) and must be created again.</summary>
    public void Forget() => knownDays.Clear();

    /// <summary>UTC day (days since 1970-01-01) of an exchange timestamp in ms.</summary>
    public static long DayOf(long timestampMs) => Math.DivRem(timestampMs, DayMs) is var (q, r) && r < 0 ? q - 1 : q;

    private static int DayNumber(long unixDay) => checked((int)(unixDay + DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber));
}
