using Laevitas.Streaming.Kafka.Providers;
using Laevitas.Testing;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace Laevitas.Tests.Streaming.Providers;

/// <summary>
/// The lag the status line, the <c>laevitas.stream.lag</c> gauge and the dispatcher's writer pace read: what the broker
/// holds beyond the offset stored for commit, also once the writer is so far behind that the consumer stopped reading
/// ahead (and so stopped hearing where the partition ends).
/// </summary>
[Collection(TickStreamCollection.Name)]
public sealed class StreamLagTests(PostgresFixture postgres, KafkaFixture kafka, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TheLagCountsWhatTheBrokerHoldsWhileTheReadAheadIsFull()
    {
        // Small batches, a read-ahead of one fetch of at most 64 KiB: with the database down the agent's cache fills
        // after a few hundred ticks, and the consumer then stops fetching.
        await using var harness = await TickStreamHarness.CreateAsync(postgres, kafka.Cluster, "stream_lag_read_ahead", partitions: 1,
            configureStream: o => o.MaxBatchTicks = 20,
            configureKafka: o =>
            {
                o.Consumer["queued.min.messages"] = "1";
                o.Consumer["queued.max.messages.kbytes"] = "64";
                o.Consumer["max.partition.fetch.bytes"] = "65536";
            });
        var ticks = new DeribitTickGenerator(seed: 11, options: 60, futures: 20, perpetuals: 4)
            .Ticks(perInstrument: 60, startMs: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var first = ticks.Take(200).ToList();
        var during = ticks.Skip(200).Take(1_000).ToList();
        var later = ticks.Skip(1_200).ToList();
        await harness.StartClusterAsync();

        await harness.ProduceAsync(first);
        await Eventually.TrueAsync(async () => await harness.CountRowsAsync() == first.Count, Patience, $"{first.Count} rows before the outage");
        await Eventually.TrueAsync(() => Partition(harness) is { Lag: 0 }, Patience, "no lag before the outage", () => Partition(harness).ToString());

        await postgres.StopAsync();
        try
        {
            await harness.ProduceAsync(during);
            await Eventually.TrueAsync(() => harness.WriterStatus().Any(s => !s.DatabaseAvailable), Patience, "the writer to notice the outage");
            await ReadingStoppedAsync(harness);
            await harness.ProduceAsync(later);

            var end = harness.HighWatermarks()[0];
            var committed = Partition(harness).CommittedOffset ?? -1;
            Assert.Equal(first.Count, committed);
            // Far more than the receiver has read: the consumer has not fetched the later ticks, so only the broker knows them.
            Assert.True(end - committed > Partition(harness).TicksRead + later.Count / 2, $"end {end}, committed {committed}, {Partition(harness)}");
            await Eventually.TrueAsync(() => Partition(harness).Lag == end - committed, TimeSpan.FromSeconds(10),
                $"the lag to reach {end - committed}", () => Partition(harness).ToString());
            Assert.Equal(committed, Partition(harness).CommittedOffset);
            output.WriteLine($"end {end}, committed {committed}: {Partition(harness)}");
        }
        finally
        {
            await postgres.StartAsync();
            // Idle pooled connections died with the server; later tests must not pick them up.
            NpgsqlConnection.ClearAllPools();
        }

        await Eventually.TrueAsync(async () => await harness.CountRowsAsync() == ticks.Count, Patience, $"{ticks.Count} rows after the outage");
        await Eventually.TrueAsync(() => Partition(harness) is { Lag: 0 }, Patience, "no lag once stored", () => Partition(harness).ToString());
    }

    /// <summary>
    /// Waits until the receiver's count of ticks read stays the same for two seconds: the agent stopped asking for more
    /// (its cache is full of undeliverable batches) and the consumer's read-ahead is full.
    /// </summary>
    private static async Task ReadingStoppedAsync(TickStreamHarness harness)
    {
        var deadline = DateTime.UtcNow + Patience;
        var read = Partition(harness).TicksRead;
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            var now = Partition(harness).TicksRead;
            if (now == read)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The receiver still reads after {Patience.TotalSeconds:0} s: {Partition(harness)}");
            }

            read = now;
        }
    }

    private static KafkaPartitionStatus Partition(TickStreamHarness harness) =>
        harness.Cluster!.Silos.Single().ServiceProvider.GetRequiredService<KafkaStreamStatus>().Snapshot().Single(p => p.Assigned);
}
