using Laevitas.Testing.Processes;
using System.Diagnostics;
using Laevitas.Grains.Storage;
using Laevitas.Grains.Writing;
using Npgsql;

namespace Laevitas.Bench.EndToEnd;

/// <summary>
/// PostgreSQL's ceiling for this workload: the simulator's payloads, parsed by the writer's own parser into the
/// writer's row type, written to <c>deribit_prices</c> in batches of the writer's size, one transaction each, for a
/// fixed time. Two ways: raw binary COPY straight into the table (the physical baseline; the writer's COPY code), and
/// the writer's store (the same COPY, which falls back to a staging table + INSERT ... ON CONFLICT DO NOTHING when a
/// row is already stored; the pool's rows are all new, so this shows what the store costs when nothing conflicts).
/// </summary>
internal static class CopyBaseline
{
    /// <summary>Parses <paramref name="payloads"/> with the writer's parser (as the writer grain does).</summary>
    public static DeribitPriceRow[] Rows(SimulatorPayloads payloads)
    {
        var receivedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var rows = new DeribitPriceRow[payloads.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            if (!TickPayloadParser.TryParse(payloads.Values[i], receivedAtMs, ref rows[i], out var error))
            {
                throw new InvalidOperationException($"The writer's parser rejected a simulator payload ({error}): {System.Text.Encoding.UTF8.GetString(payloads.Values[i])}");
            }
        }

        return rows;
    }

    /// <param name="throughStore">False: raw COPY into the table. True: the writer's <see cref="DeribitPricesStore"/>.</param>
    public static async Task<CopyBaselineResult> RunAsync(
        BenchDatabase database, DeribitPriceRow[] pool, int batchSize, int connections, bool throughStore, TimeSpan duration, CancellationToken cancellationToken)
    {
        // Rows are unique by (instrument, timestamp): every pass over the pool shifts the timestamps past the
        // previous pass, and workers take turns at passes, so nothing conflicts and every row is inserted.
        var span = pool.Max(r => r.Timestamp) - pool.Min(r => r.Timestamp) + 1;
        var postgresCpu = ProcessSample.TreeCpu(database.ServerProcessId);
        var benchCpu = CpuClock.Start();
        var stopwatch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, connections)
            .Select(w => Task.Run(() => WorkAsync(database, pool, span, batchSize, w, connections, throughStore, stopwatch, duration, cancellationToken), cancellationToken))
            .ToArray();
        var rows = (await Task.WhenAll(workers)).Sum();
        var elapsed = stopwatch.Elapsed;
        return new CopyBaselineResult(
            throughStore ? "writer store: direct COPY (staging + INSERT ON CONFLICT DO NOTHING after a conflict)" : "raw binary COPY into deribit_prices",
            connections, rows, elapsed, ProcessSample.TreeCpu(database.ServerProcessId) - postgresCpu, benchCpu.Elapsed);
    }

    private static async Task<long> WorkAsync(
        BenchDatabase database, DeribitPriceRow[] pool, long span, int batchSize, int worker, int workers, bool throughStore,
        Stopwatch stopwatch, TimeSpan duration, CancellationToken cancellationToken)
    {
        var batch = new DeribitPriceRow[batchSize];
        await using var store = new DeribitPricesStore(database.DataSource, new DailyPartitions());
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        long written = 0;
        for (var pass = worker; stopwatch.Elapsed < duration; pass += workers)
        {
            for (var start = 0; start < pool.Length && stopwatch.Elapsed < duration; start += batchSize)
            {
                var count = Math.Min(batchSize, pool.Length - start);
                Array.Copy(pool, start, batch, 0, count);
                for (var i = 0; i < count; i++)
                {
                    batch[i].Timestamp += pass * span;
                }

                if (throughStore)
                {
                    written += await store.InsertAsync(batch.AsMemory(0, count), cancellationToken);
                }
                else
                {
                    await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                    DeribitPricesStore.Copy(connection, "deribit_prices", batch.AsSpan(0, count));
                    await transaction.CommitAsync(cancellationToken);
                    written += count;
                }
            }
        }

        return written;
    }
}
