using Laevitas.Testing;
using System.Diagnostics;
using Laevitas.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Laevitas.Tests.Streaming.Providers;

/// <summary>Kafka → Orleans stream → writer grain → deribit_prices, against real PostgreSQL and the embedded Kafka.</summary>
[Collection(TickStreamCollection.Name)]
public sealed class TickStreamTests(PostgresFixture postgres, KafkaFixture kafka, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task EveryTickIsStoredOnceWithEveryFieldAndTheEnrichment()
    {
        await using var harness = await TickStreamHarness.CreateAsync(postgres, kafka.Cluster, "stream_all_fields", partitions: 4);
        var generator = new DeribitTickGenerator(seed: 1, options: 200, futures: 60, perpetuals: 40);
        var ticks = generator.Ticks(perInstrument: 50, startMs: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var malformed = MalformedTicks();

        await harness.StartClusterAsync();
        var stopwatch = Stopwatch.StartNew();
        await harness.ProduceAsync(ticks.Take(ticks.Count / 2));
        await harness.ProduceAsync(malformed);
        await harness.ProduceAsync(ticks.Skip(ticks.Count / 2));

        await Eventually.TrueAsync(async () => await harness.CountRowsAsync() == ticks.Count, Patience,
            $"{ticks.Count} rows", () => harness.CountRowsAsync().GetAwaiter().GetResult().ToString());
        var elapsed = stopwatch.Elapsed;

        var rows = await harness.ReadRowsAsync();
        Assert.Equal(ticks.Count, rows.Count);
        foreach (var tick in ticks)
        {
            Assert.True(rows.TryGetValue((tick.Expected.InstrumentName, tick.Expected.Timestamp), out var row), $"{tick.Key}@{tick.Expected.Timestamp} missing");
            Assert.Equal(tick.Expected, row);
        }

        // Same number of rows per instrument as ticks sent.
        var perInstrument = rows.Values.GroupBy(r => r.InstrumentName).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(generator.InstrumentNames.Count, perInstrument.Count);
        Assert.All(generator.InstrumentNames, name => Assert.Equal(50, perInstrument[name]));

        // Every malformed tick was counted as skipped and none stalled the stream; once all is delivered the
        // committed offsets reach the end of every partition.
        await Eventually.TrueAsync(() => harness.WriterStatus().Sum(s => s.TicksSkipped) == malformed.Count, Patience,
            $"{malformed.Count} skipped ticks", () => harness.WriterStatus().Sum(s => s.TicksSkipped).ToString());
        var end = harness.HighWatermarks();
        await Eventually.TrueAsync(() => harness.CommittedOffsets().SequenceEqual(end), Patience,
            "committed offsets at the end of every partition", () => string.Join(",", harness.CommittedOffsets()));

        var status = harness.WriterStatus().Single();
        Assert.Equal(ticks.Count, status.RowsWritten);
        Assert.True(status.LargestBatchTicks > 1, "ticks arrive in batches, not one per call");
        output.WriteLine($"{ticks.Count} ticks stored in {elapsed.TotalSeconds:0.0} s ({ticks.Count / elapsed.TotalSeconds:0} rows/s incl. produce); " +
                         $"{status.Batches} batches, average {status.AverageBatchTicks:0} ticks, largest {status.LargestBatchTicks}");
    }

    [Fact]
    public async Task ReplayingThePartitionsFromTheStartStoresNothingTwice()
    {
        await using var harness = await TickStreamHarness.CreateAsync(postgres, kafka.Cluster, "stream_replay", partitions: 3);
        var ticks = new DeribitTickGenerator(seed: 2, options: 60, futures: 20, perpetuals: 8).Ticks(perInstrument: 40, startMs: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await harness.ProduceAsync(ticks);
        var end = harness.HighWatermarks();

        await harness.StartClusterAsync();
        await Eventually.TrueAsync(() => harness.CommittedOffsets().SequenceEqual(end), Patience,
            "first pass committed", () => string.Join(",", harness.CommittedOffsets()));
        Assert.Equal(ticks.Count, await harness.CountRowsAsync());
        var before = await harness.ReadRowsAsync();
        await harness.StopClusterAsync();

        // Redeliver everything: the group starts again at offset 0 of every partition.
        harness.ResetCommittedOffsets(0);
        Assert.All(harness.CommittedOffsets(), offset => Assert.Equal(0, offset));
        await harness.StartClusterAsync();
        await Eventually.TrueAsync(() => harness.CommittedOffsets().SequenceEqual(end), Patience,
            "replay committed", () => string.Join(",", harness.CommittedOffsets()));

        var status = harness.WriterStatus().Single();
        Assert.Equal(0, status.RowsWritten);
        Assert.Equal(ticks.Count, status.DuplicateRows);
        var after = await harness.ReadRowsAsync();
        Assert.Equal(before.Count, after.Count);
        Assert.All(before, pair => Assert.Equal(pair.Value, after[pair.Key]));
    }

    [Fact]
    public async Task ABacklogInKafkaDrainsInLargeBatches()
    {
        await using var harness = await TickStreamHarness.CreateAsync(postgres, kafka.Cluster, "stream_backlog", partitions: 8);
        var generator = new DeribitTickGenerator(seed: 5, options: 700, futures: 200, perpetuals: 100);
        var ticks = generator.Ticks(perInstrument: 60, startMs: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await harness.ProduceAsync(ticks);
        var end = harness.HighWatermarks();

        var stopwatch = Stopwatch.StartNew();
        await harness.StartClusterAsync();
        await Eventually.TrueAsync(async () => await harness.CountRowsAsync() == ticks.Count, Patience,
            $"{ticks.Count} rows", () => harness.CountRowsAsync().GetAwaiter().GetResult().ToString());
        var elapsed = stopwatch.Elapsed;
        await Eventually.TrueAsync(() => harness.CommittedOffsets().SequenceEqual(end), Patience,
            "committed offsets at the end", () => string.Join(",", harness.CommittedOffsets()));

        var status = harness.WriterStatus().Single();
        Assert.Equal(ticks.Count, status.RowsWritten);
        Assert.True(status.AverageBatchTicks > 100, $"a backlog is read in large batches (average {status.AverageBatchTicks:0})");
        output.WriteLine($"{ticks.Count} ticks ({generator.InstrumentNames.Count} instruments, 8 partitions) drained in {elapsed.TotalSeconds:0.0} s incl. silo start: " +
                         $"{ticks.Count / elapsed.TotalSeconds:0} rows/s; {status.Batches} batches, average {status.AverageBatchTicks:0} ticks, largest {status.LargestBatchTicks}");
    }

    private static List<GeneratedTick> MalformedTicks()
    {
        string[] payloads =
        [
            "{\"instrument_name\":\"BTC-PERPETUAL\",\"timestamp\":1734998400000,\"mark_price\":NaN}",
            "{\"instrument_name\":\"BTC-PERPETUAL\",\"timestamp\":\"soon\"}",
            "{\"instrument_name\":\"BTC-PERPETUAL\",\"timestamp\":1734998400000,\"best_bid_price\":\"1\"}",
            "{\"instrument_name\":\"BTC-PERPETUAL\"",
            "[]",
            "",
            "{\"timestamp\":1734998400000,\"mark_price\":1}",
        ];
        return Enumerable.Range(0, 21)
            .Select(i => new GeneratedTick($"BAD-{i}", 1734998400000, System.Text.Encoding.UTF8.GetBytes(payloads[i % payloads.Length]), null!))
            .ToList();
    }
}
