using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Laevitas.Grains.Writing;
using Laevitas.Streaming.Kafka;
using Laevitas.Testing;
using Laevitas.Tests.Infrastructure;
using Laevitas.Tests.Recordings;
using Xunit.Abstractions;

namespace Laevitas.Tests.Grains.Trades;

/// <summary>
/// The trades topic through its own stream provider into <c>deribit_trades</c> (<c>TradeWriterGrain</c>): every trade
/// record stored once, and records that can never be stored set aside to the dead-letter topic with their reason while
/// the partition's offsets move on (invariant 9), as on the tick topic.
/// </summary>
[Collection(TickStreamCollection.Name)]
public sealed class TradeStreamTests(PostgresFixture postgres, KafkaFixture kafka, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task TradesAreStoredOnceAndPoisonRecordsAreSetAsideWithoutStallingThePartition()
    {
        await using var harness = await TickStreamHarness.CreateAsync(postgres, kafka.Cluster, "trade_stream", partitions: 2, trades: true);
        await harness.StartClusterAsync();
        var now = new Timestamp(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), TimestampType.CreateTime);

        // The real recorded trades (keyed by instrument, as the publisher writes them), and generated ones around them.
        var real = DeribitRecordings.Trades()
            .SelectMany(r => JsonDocument.Parse(r.Data).RootElement.EnumerateArray().Select(e => e.GetRawText()))
            .ToList();
        var generated = Enumerable.Range(0, 200).Select(i =>
            $$"""{"trade_seq":{{i + 1}},"trade_id":"{{900_000 + i}}","timestamp":{{now.UnixTimestampMs - 1_000 + i}},"instrument_name":"ETH-PERPETUAL","price":{{3000 + i * 0.5}},"amount":{{i + 1}},"direction":"{{(i % 2 == 0 ? "buy" : "sell")}}","tick_direction":{{i % 4}},"index_price":3001.25,"mark_price":3000.75}""").ToList();
        var trades = real.Concat(generated).ToList();
        var expectedCauses = new List<DeadLetterCause>();
        for (var i = 0; i < trades.Count; i++)
        {
            var partition = i % harness.Partitions;
            var name = JsonDocument.Parse(trades[i]).RootElement.GetProperty("instrument_name").GetString()!;
            await harness.ProduceRawAsync(harness.TradesTopic, partition, Utf8(name), Utf8(trades[i]), now);
            if (i == trades.Count / 2)
            {
                // Poison in the middle of both partitions.
                for (var p = 0; p < harness.Partitions; p++)
                {
                    async Task Poison(DeadLetterCause cause, byte[]? key, byte[]? value, Timestamp timestamp)
                    {
                        await harness.ProduceRawAsync(harness.TradesTopic, p, key, value, timestamp);
                        expectedCauses.Add(cause);
                    }

                    await Poison(DeadLetterCause.NotATick, Utf8("BTC-PERPETUAL"), Utf8("this is not JSON ["), now);
                    await Poison(DeadLetterCause.NotATick, Utf8("BTC-PERPETUAL"), Utf8("""{"instrument_name":"BTC-PERPETUAL","timestamp":1700000000000,"price":1}"""), now);
                    await Poison(DeadLetterCause.NotATick, Utf8("BTC-PERPETUAL"), null, now);
                    await Poison(DeadLetterCause.EmptyKey, null, Utf8(real[0]), now);
                    await Poison(DeadLetterCause.AbsurdTime, Utf8("BTC-PERPETUAL"), Utf8(real[0]), new Timestamp(253_402_300_801_000, TimestampType.CreateTime));
                }
            }
        }

        // Every trade lands once (the recorded ones keep their ids), none of the poison does.
        long stored = 0;
        await Eventually.TrueAsync(async () => (stored = await CountAsync(harness)) >= trades.Count, Patience, $"{trades.Count} trades stored", () => $"{stored}");
        var ids = new List<string>();
        await using (var command = harness.DataSource.CreateCommand("SELECT trade_id FROM deribit_trades"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetString(0));
            }
        }

        Assert.Equal(
            trades.Select(t => JsonDocument.Parse(t).RootElement.GetProperty("trade_id").GetString()!).Order(StringComparer.Ordinal),
            ids.Order(StringComparer.Ordinal));

        // The trades topic's partitions moved on past every poison record.
        var end = harness.HighWatermarks(harness.TradesTopic);
        await Eventually.TrueAsync(() => harness.CommittedOffsets(harness.TradesTopic).SequenceEqual(end), Patience,
            $"committed offsets of {harness.TradesTopic} at the end ({string.Join(",", end)})", () => string.Join(",", harness.CommittedOffsets(harness.TradesTopic)));

        // Each was set aside once to the (shared) dead-letter topic, with its reason and the trades topic as its source.
        var letters = harness.ReadDeadLetters(expectedCauses.Count, Patience);
        Assert.Equal(expectedCauses.Count, letters.Count);
        Assert.Equal(
            expectedCauses.GroupBy(c => c).ToDictionary(g => g.Key.ToString(), g => g.Count()),
            letters.GroupBy(l => Header(l, DeadLetterPublisher.CauseHeader)).ToDictionary(g => g.Key!, g => g.Count()));
        Assert.All(letters, l => Assert.StartsWith(harness.TradesTopic + "/", Header(l, DeadLetterPublisher.SourceHeader)));
        Assert.All(letters, l => Assert.False(string.IsNullOrWhiteSpace(Header(l, DeadLetterPublisher.ReasonHeader))));
        Assert.Equal(0, await harness.CountRowsAsync());
        output.WriteLine($"{trades.Count} trades stored once; set aside: " +
                         string.Join(", ", letters.Select(l => $"{Header(l, DeadLetterPublisher.SourceHeader)} {Header(l, DeadLetterPublisher.ReasonHeader)}")));
    }

    private static async Task<long> CountAsync(TickStreamHarness harness)
    {
        await using var command = harness.DataSource.CreateCommand("SELECT count(*) FROM deribit_trades");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string? Header(ConsumeResult<byte[]?, byte[]?> record, string name) =>
        record.Message.Headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;
}
