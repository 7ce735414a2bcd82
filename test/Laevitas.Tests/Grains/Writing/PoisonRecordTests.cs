using Confluent.Kafka;
using Laevitas.Testing;
using Laevitas.Streaming.Kafka.Providers;
using Laevitas.Grains.Writing;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static Laevitas.Testing.ForeignRecords;

namespace Laevitas.Tests.Grains.Writing;

/// <summary>
/// Invariant 9: records on the tick topic that can never be stored (another client's, absurd, huge) are set aside to
/// the dead-letter topic with their reason and counted, and their partition's offsets move on; every real tick
/// around them is stored exactly once.
/// </summary>
[Collection(TickStreamCollection.Name)]
public sealed class PoisonRecordTests(PostgresFixture postgres, KafkaFixture kafka, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    // Past year 9999: DateTime cannot hold it (the writer used to throw on it outside its parser's guard, and the
    // stream re-delivered that batch forever).
    private const long Year10000Ms = 253_402_300_800_000 + 1_000;

    [Fact]
    public async Task PoisonRecordsAreSetAsideWithTheirReasonAndThePartitionMovesOn()
    {
        await using var harness = await TickStreamHarness.CreateAsync(postgres, kafka.Cluster, "stream_poison", partitions: 2);
        var startMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var ticks = new DeribitTickGenerator(seed: 21, options: 30, futures: 6, perpetuals: 4).Ticks(perInstrument: 20, startMs: startMs);
        // Good ticker payloads that must still not be stored, because their record is poison (no key, absurd time).
        var decoys = new DeribitTickGenerator(seed: 22, options: 4, futures: 2, perpetuals: 2).Ticks(perInstrument: 1, startMs: startMs + 10_000_000);
        await harness.StartClusterAsync();

        var half = ticks.Count / 2;
        await harness.ProduceAsync(ticks.Take(half));
        var expectedCauses = new List<DeadLetterCause>();
        for (var partition = 0; partition < harness.Partitions; partition++)
        {
            var now = new Timestamp(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), TimestampType.CreateTime);
            var decoy = decoys[partition];
            async Task Poison(DeadLetterCause cause, byte[]? key, byte[]? value, Timestamp timestamp)
            {
                await harness.ProduceRawAsync(partition, key, value, timestamp);
                expectedCauses.Add(cause);
            }

            await Poison(DeadLetterCause.NotATick, Utf8("BTC-PERPETUAL"), Utf8("this is not JSON {"), now);
            await Poison(DeadLetterCause.NotATick, Utf8("order-17"), Utf8("""{"order_id":17,"qty":5,"side":"buy"}"""), now);
            await Poison(DeadLetterCause.NotATick, Utf8("BTC-PERPETUAL"), Utf8("""{"instrument_name":"BTC-PERPETUAL","timestamp":999999999999999999}"""), now);
            await Poison(DeadLetterCause.NotATick, Utf8("BTC-PERPETUAL"), null, now);
            await Poison(DeadLetterCause.EmptyKey, null, decoy.Payload, now);
            await Poison(DeadLetterCause.EmptyKey, [], decoy.Payload, now);
            await Poison(DeadLetterCause.AbsurdTime, Utf8(decoy.Key), decoy.Payload, new Timestamp(Year10000Ms, TimestampType.CreateTime));
            await Poison(DeadLetterCause.TooLarge, Utf8(decoy.Key), Huge(200 * 1024), now);
        }

        await harness.ProduceAsync(ticks.Skip(half));

        // Every real tick lands once, none of the poison does.
        await Eventually.TrueAsync(async () => await harness.CountRowsAsync() >= ticks.Count, Patience,
            $"{ticks.Count} rows", () => harness.CountRowsAsync().GetAwaiter().GetResult().ToString());
        var rows = await harness.ReadRowsAsync();
        Assert.Equal(ticks.Count, rows.Count);
        foreach (var tick in ticks)
        {
            Assert.Equal(tick.Expected, rows[(tick.Expected.InstrumentName, tick.Expected.Timestamp)]);
        }

        foreach (var decoy in decoys)
        {
            Assert.False(rows.ContainsKey((decoy.Expected.InstrumentName, decoy.Expected.Timestamp)), $"decoy {decoy.Key} stored");
        }

        // The partitions moved on past every poison record.
        var end = harness.HighWatermarks();
        await Eventually.TrueAsync(() => harness.CommittedOffsets().SequenceEqual(end), Patience,
            $"committed offsets at the end ({string.Join(",", end)})", () => string.Join(",", harness.CommittedOffsets()));

        // Each was set aside once, with its reason and where it came from, and counted.
        var letters = harness.ReadDeadLetters(expectedCauses.Count, Patience);
        Assert.Equal(expectedCauses.Count, letters.Count);
        Assert.Equal(
            expectedCauses.GroupBy(c => c).ToDictionary(g => g.Key.ToString(), g => g.Count()),
            letters.GroupBy(l => Header(l, DeadLetterPublisher.CauseHeader)).ToDictionary(g => g.Key!, g => g.Count()));
        Assert.All(letters, l => Assert.False(string.IsNullOrWhiteSpace(Header(l, DeadLetterPublisher.ReasonHeader))));
        Assert.Equal(expectedCauses.Count, letters.Select(l => Header(l, DeadLetterPublisher.SourceHeader)).Distinct().Count());
        Assert.All(letters, l => Assert.StartsWith(harness.Topic + "/", Header(l, DeadLetterPublisher.SourceHeader)));
        var huge = letters.Where(l => Header(l, DeadLetterPublisher.CauseHeader) == nameof(DeadLetterCause.TooLarge)).ToList();
        Assert.All(huge, l => Assert.Equal(200 * 1024, l.Message.Value!.Length));

        var status = harness.WriterStatus();
        Assert.Equal(expectedCauses.Count, status.Sum(s => s.DeadLettered));
        Assert.All(status, s => Assert.Equal(0, s.WriteFailures));
        var stream = harness.Cluster!.Silos.SelectMany(s => s.ServiceProvider.GetRequiredService<KafkaStreamStatus>().Snapshot()).ToList();
        output.WriteLine($"{ticks.Count} ticks stored once; {letters.Count} records set aside to {harness.DeadLetterTopic}: " +
                         string.Join(", ", letters.Select(l => $"{Header(l, DeadLetterPublisher.SourceHeader)} {Header(l, DeadLetterPublisher.ReasonHeader)}")) +
                         $"; committed {string.Join(",", harness.CommittedOffsets())}; read {stream.Sum(p => p.TicksRead)}");
    }
}
