using Laevitas.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Laevitas.Grains.Retention;

/// <summary>
/// One retention pass: drops every daily partition of the market-data tables (<see cref="DailyPartitions.Tables"/>:
/// ticks and trades) whose whole day is older than <see cref="RetentionOptions.Days"/>, each drop logged and counted
/// with its table. Every silo may call it; a PostgreSQL advisory lock lets one pass run at a time across the cluster
/// and the others return at once.
/// </summary>
/// <remarks>
/// Why an advisory lock and not a singleton grain: the work is DDL in PostgreSQL, and the database is the one place
/// every silo agrees on, even while membership views disagree (during a partition or a rolling update Orleans may
/// briefly run two activations of one grain; an advisory lock never grants twice). It needs no reminder table and
/// no membership, so it works the same in Localhost, AdoNet and Kubernetes mode; the schema migrator already
/// serialises its DDL this way. The lock dies with the connection, so a silo killed mid-pass leaves nothing held.
/// </remarks>
public sealed class PartitionRetention(
    NpgsqlDataSource dataSource,
    DailyPartitions partitions,
    IOptions<RetentionOptions> options,
    RetentionMetrics metrics,
    ILogger<PartitionRetention> logger)
{
    // Arbitrary constant shared by every silo, distinct from the migrator's: "LAEVRET1" in ASCII.
    private const long AdvisoryLockKey = 0x4C41455652455431;

    private const string ListPartitions =
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(@table)";

    /// <summary>The first UTC day kept at <paramref name="now"/>: the day <see cref="RetentionOptions.Days"/> days ago.</summary>
    /// <remarks>A partition of an earlier day ends at or before <c>now - Days</c>, so no dropped row is younger than that.</remarks>
    public static DateOnly KeepFrom(DateTimeOffset now, int days) => DateOnly.FromDateTime(now.UtcDateTime.AddDays(-days));

    /// <exception cref="InvalidOperationException">Retention is off (<see cref="RetentionOptions.Days"/> is 0).</exception>
    public async Task<RetentionPass> RunAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        if (settings.Days == 0)
        {
            throw new InvalidOperationException("Retention is off (Retention:Days = 0); nothing may be dropped.");
        }

        var keepFrom = KeepFrom(now, settings.Days);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (!await ScalarAsync<bool>(connection, "SELECT pg_try_advisory_lock(@key)", ("key", AdvisoryLockKey), cancellationToken).ConfigureAwait(false))
        {
            RetentionLog.Skipped(logger);
            return RetentionPass.Skipped(keepFrom);
        }

        var dropped = new List<DailyPartition>();
        try
        {
            foreach (var table in DailyPartitions.Tables)
            {
                foreach (var partition in await ListAsync(connection, table, cancellationToken).ConfigureAwait(false))
                {
                    if (partition.Day >= keepFrom)
                    {
                        continue;
                    }

                    await DropAsync(connection, partition, settings.LockTimeout, cancellationToken).ConfigureAwait(false);
                    dropped.Add(partition);
                    metrics.PartitionDropped(table);
                    RetentionLog.Dropped(logger, partition.Name, table, partition.Day, settings.Days);
                }
            }
        }
        finally
        {
            if (dropped.Count > 0)
            {
                // This silo's writers would otherwise trust their cache and insert a late row of a dropped day into
                // no partition; other silos' writers find out from that error and recreate it (DailyPartitions).
                partitions.Forget();
            }

            try
            {
                await ScalarAsync<bool>(connection, "SELECT pg_advisory_unlock(@key)", ("key", AdvisoryLockKey), CancellationToken.None).ConfigureAwait(false);
            }
            catch (NpgsqlException)
            {
                // The connection broke (that is likely why the pass failed): the lock went with the session.
            }
        }

        return new RetentionPass(true, keepFrom, dropped);
    }

    private static async Task<List<DailyPartition>> ListAsync(NpgsqlConnection connection, string table, CancellationToken cancellationToken)
    {
        var partitions = new List<DailyPartition>();
        await using var command = new NpgsqlCommand(ListPartitions, connection);
        command.Parameters.AddWithValue("table", table);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (DailyPartition.TryParse(table, reader.GetString(0)) is { } partition)
            {
                partitions.Add(partition);
            }
        }

        partitions.Sort((a, b) => a.Day.CompareTo(b.Day));
        return partitions;
    }

    private static async Task DropAsync(NpgsqlConnection connection, DailyPartition partition, TimeSpan lockTimeout, CancellationToken cancellationToken)
    {
        // Dropping a partition takes an exclusive lock on its parent, and the writers' COPY queues behind a waiting
        // drop: a short lock_timeout (local to this transaction) bounds that stall; a drop that times out fails the
        // pass and the next pass tries again. The name is safe to quote as is: TryParse admits only table_YYYYMMDD.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var timeoutMs = (long)Math.Ceiling(lockTimeout.TotalMilliseconds);
        await using (var command = new NpgsqlCommand($"SET LOCAL lock_timeout = {timeoutMs}; DROP TABLE IF EXISTS \"{partition.Name}\"", connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, (string Name, long Value) parameter, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue(parameter.Name, parameter.Value);
        return (T)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
