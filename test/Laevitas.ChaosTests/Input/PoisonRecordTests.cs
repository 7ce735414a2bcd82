using System.Diagnostics;
using Confluent.Kafka;
using Laevitas.ChaosTests.Infrastructure;
using Laevitas.Grains.Writing;
using Laevitas.Streaming.Kafka;
using Laevitas.Testing;
using Xunit.Abstractions;
using static Laevitas.Testing.ForeignRecords;

namespace Laevitas.ChaosTests.Input;

/// <summary>
/// Kafka is shared infrastructure: another client writes records onto the tick topic that can never be stored, on
/// every partition, while the market streams. Each is set aside to the dead-letter topic with its reason, and every
/// real tick around them is stored once with its values (the partitions' offsets move on, or the reconciliation
/// would find ticks missing).
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class PoisonRecordTests(ChaosCluster cluster, ITestOutputHelper output)
{
    // Past year 9999: DateTime cannot hold it.
    private const long Year10000Ms = 253_402_300_800_000 + 1_000;

    [Fact]
    public async Task ForeignRecordsOnTheTickTopicAreSetAsideAndStallNoPartition()
    {
        var chaosCase = await cluster.BeginCaseAsync("poison-records", 71,
            "A foreign producer writes records that can never be stored onto every partition of the tick topic while the market streams: " +
            "not JSON, another system's JSON, an absurd exchange timestamp, no value, no key, a record timestamped past year 9999, a value above the writer's size bound",
            "corpus");
        var kafka = cluster.KafkaOptions();
        // Earlier cases may have set records aside too: only letters not there before count.
        var lettersBefore = ReadDeadLetters(kafka, TimeSpan.FromSeconds(5)).Select(r => (r.Partition.Value, r.Offset.Value)).ToHashSet();
        await Task.Delay(TimeSpan.FromSeconds(2));
        chaosCase.FaultStarted();

        var expected = new List<DeadLetterCause>();
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientConfigs.Producer(kafka, "chaos-foreign-producer")).Build())
        {
            var instrument = cluster.Simulator.Universe.Active[0].InstrumentName;
            for (var partition = 0; partition < ChaosCluster.Partitions; partition++)
            {
                var now = new Timestamp(ChaosCluster.NowMs(), TimestampType.CreateTime);
                // A ticker-shaped value: stored, it would show up as a row the market never generated.
                var tickerShaped = Utf8($$"""{"instrument_name":"{{instrument}}","timestamp":{{ChaosCluster.NowMs()}},"mark_price":1.5,"index_price":2.5,"state":"open"}""");
                async Task Poison(DeadLetterCause cause, byte[]? key, byte[]? value, Timestamp timestamp)
                {
                    await producer.ProduceAsync(new TopicPartition(ChaosCluster.Topic, partition), new Message<byte[]?, byte[]?> { Key = key, Value = value, Timestamp = timestamp });
                    expected.Add(cause);
                }

                await Poison(DeadLetterCause.NotATick, Utf8(instrument), Utf8("this is not JSON {"), now);
                await Poison(DeadLetterCause.NotATick, Utf8("order-17"), Utf8("""{"order_id":17,"qty":5,"side":"buy"}"""), now);
                await Poison(DeadLetterCause.NotATick, Utf8(instrument), Utf8($$"""{"instrument_name":"{{instrument}}","timestamp":999999999999999999}"""), now);
                await Poison(DeadLetterCause.NotATick, Utf8(instrument), null, now);
                await Poison(DeadLetterCause.EmptyKey, null, tickerShaped, now);
                await Poison(DeadLetterCause.AbsurdTime, Utf8(instrument), tickerShaped, new Timestamp(Year10000Ms, TimestampType.CreateTime));
                await Poison(DeadLetterCause.TooLarge, Utf8(instrument), Huge(200 * 1024), now);
            }
        }

        List<ConsumeResult<byte[]?, byte[]?>> letters = [];
        await Eventually.TrueAsync(
            () => (letters = ReadDeadLetters(kafka, TimeSpan.FromSeconds(5)).Where(r => !lettersBefore.Contains((r.Partition.Value, r.Offset.Value))).ToList()).Count >= expected.Count,
            ChaosSettings.Patience, $"{expected.Count} records set aside to the dead-letter topic", () => $"{letters.Count} so far");
        chaosCase.FaultEnded();
        chaosCase.Notes.Add($"{expected.Count} foreign records written, {letters.Count} set aside: " +
                            string.Join(", ", letters.GroupBy(l => Header(l, DeadLetterPublisher.CauseHeader)).Select(g => $"{g.Count()} {g.Key}")));

        var result = await cluster.EndCaseAsync(chaosCase);
        output.WriteLine(result.Describe());
        Assert.Empty(result.Missing);
        Assert.Empty(result.Phantom);
        Assert.Empty(result.ValuesDiffering);
        Assert.Equal(expected.Count, letters.Count);
        Assert.Equal(
            expected.GroupBy(c => c.ToString()).ToDictionary(g => g.Key, g => g.Count()),
            letters.GroupBy(l => Header(l, DeadLetterPublisher.CauseHeader) ?? "").ToDictionary(g => g.Key, g => g.Count()));
    }

    /// <summary>Every record in the dead-letter topic so far, read from its beginning.</summary>
    private static List<ConsumeResult<byte[]?, byte[]?>> ReadDeadLetters(KafkaOptions kafka, TimeSpan idle)
    {
        var config = KafkaClientConfigs.Consumer(kafka, $"chaos-dead-letters-{Guid.NewGuid():N}", "chaos-dead-letters");
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        consumer.Assign(Enumerable.Range(0, ChaosCluster.Partitions).Select(p => new TopicPartitionOffset(kafka.DeadLetterTopicName, p, Offset.Beginning)));
        var records = new List<ConsumeResult<byte[]?, byte[]?>>();
        var atEnd = new HashSet<int>();
        var clock = Stopwatch.StartNew();
        while (atEnd.Count < ChaosCluster.Partitions && clock.Elapsed < idle)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not { } record)
            {
                continue;
            }

            if (record.IsPartitionEOF)
            {
                atEnd.Add(record.Partition.Value);
            }
            else
            {
                atEnd.Remove(record.Partition.Value);
                records.Add(record);
            }
        }

        return records;
    }
}
