using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Laevitas.DeribitSimulator.Ledger;
using Laevitas.Grains.Abstractions.History;
using Laevitas.Grains.History;
using Laevitas.Streaming.Kafka;

namespace Laevitas.ChaosTests.Infrastructure;

// What a case's window is reconciled from: the simulator's ledgers, deribit_prices, and the tick topic's messages and offsets.
public sealed partial class ChaosCluster
{
    /// <summary>Compares the ledger with the table for exchange timestamps in (case start, <paramref name="upToMs"/>].</summary>
    public async Task<Reconciliation> ReconcileAsync(ChaosCase chaosCase, long upToMs, bool withKafka)
    {
        var from = chaosCase.StartMs;
        var emitted = new HashSet<TickKey>();
        var sent = Simulator.Ledger.Snapshot();
        if (chaosCase.AgainstMarket)
        {
            // Every tick generated for an instrument the feed follows (was ever sent), subscribed at that moment or not.
            var followed = sent.Keys.Select(InstrumentOf).ToHashSet(StringComparer.Ordinal);
            foreach (var (instrument, timestamps) in Simulator.MarketLedger.Snapshot())
            {
                if (followed.Contains(instrument))
                {
                    AddWindow(emitted, instrument, timestamps, from, upToMs);
                }
            }
        }
        else
        {
            foreach (var (channel, timestamps) in sent)
            {
                AddWindow(emitted, InstrumentOf(channel), timestamps, from, upToMs);
            }
        }

        foreach (var injected in chaosCase.Injected)
        {
            if (injected.Timestamp > from && injected.Timestamp <= upToMs)
            {
                emitted.Add(injected);
            }
        }

        var stored = new HashSet<TickKey>();
        var differing = new List<TickKey>();
        long rows = 0, compared = 0;
        await using (var command = Database.CreateCommand(
            $"SELECT {PriceHistoryReader.Columns} FROM deribit_prices WHERE \"timestamp\" > @from AND \"timestamp\" <= @to"))
        {
            command.Parameters.AddWithValue("from", from);
            command.Parameters.AddWithValue("to", upToMs);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows++;
                var row = PriceHistoryReader.ReadRow(reader);
                var key = new TickKey(row.InstrumentName, row.Timestamp);
                stored.Add(key);
                // Values, not only keys: the row must rebuild into the very tick the simulator generated.
                if (Simulator.MarketLedger.TryGetFingerprint(key.Instrument, key.Timestamp, out var generated))
                {
                    compared++;
                    if (!HoldsValues(row, generated))
                    {
                        differing.Add(key);
                    }
                }
            }
        }

        var missing = emitted.Where(k => !stored.Contains(k)).OrderBy(k => k.Timestamp).ToList();
        var allowed = missing.Count(k => chaosCase.Allowances.Any(a => a.Covers(k.Instrument, k.Timestamp)));
        var bound = emitted.LongCount(k => chaosCase.Allowances.Any(a => a.Covers(k.Instrument, k.Timestamp)));
        var phantom = stored.Where(k => !emitted.Contains(k) && !chaosCase.Tolerated.Contains(k)).OrderBy(k => k.Timestamp).ToList();
        var (kafkaMessages, kafkaDuplicates, onKafka) = withKafka ? ReadKafka(chaosCase, from, upToMs) : (0, 0, []);
        var missingOnKafka = missing.Count(onKafka.Contains);
        return new Reconciliation(emitted.Count, rows, rows - stored.Count, kafkaMessages, kafkaDuplicates, missing, allowed, bound, phantom, missingOnKafka)
        {
            ValuesCompared = compared,
            ValuesDiffering = differing,
        };
    }

    /// <summary>Whether <paramref name="row"/> rebuilds into a ticker with the generated tick's fields and values.</summary>
    private static bool HoldsValues(PriceRow row, ulong generated)
    {
        try
        {
            return TickFingerprint.Of(JsonSerializer.SerializeToUtf8Bytes(TickerRebuilder.Rebuild(row))) == generated;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    private static void AddWindow(HashSet<TickKey> into, string instrument, IReadOnlyList<long> timestamps, long from, long upToMs)
    {
        foreach (var timestamp in timestamps)
        {
            if (timestamp > from && timestamp <= upToMs)
            {
                into.Add(new TickKey(instrument, timestamp));
            }
        }
    }

    public async Task<long> CountRowsAsync(long fromExclusive, long toInclusive)
    {
        await using var command = Database.CreateCommand("SELECT count(*) FROM deribit_prices WHERE \"timestamp\" > @from AND \"timestamp\" <= @to");
        command.Parameters.AddWithValue("from", fromExclusive);
        command.Parameters.AddWithValue("to", toInclusive);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static string InstrumentOf(string channel)
    {
        // ticker.{instrument}.{interval}
        var start = channel.IndexOf('.', StringComparison.Ordinal) + 1;
        var end = channel.LastIndexOf('.');
        return channel[start..end];
    }

    public long[] HighWatermarks()
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(KafkaClientConfigs.Consumer(KafkaOptions(), "chaos-probe", "chaos-probe")).Build();
        return Enumerable.Range(0, Partitions)
            .Select(p => consumer.QueryWatermarkOffsets(new TopicPartition(Topic, p), TimeSpan.FromSeconds(30)).High.Value)
            .ToArray();
    }

    public long[] CommittedOffsets()
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(KafkaClientConfigs.Consumer(KafkaOptions(), WriterGroup, "chaos-committed")).Build();
        var partitions = Enumerable.Range(0, Partitions).Select(p => new TopicPartition(Topic, p)).ToList();
        return consumer.Committed(partitions, TimeSpan.FromSeconds(30)).OrderBy(c => c.Partition.Value).Select(c => c.Offset.Value).ToArray();
    }

    /// <summary>
    /// The exchange timestamp of a tick record: the <c>timestamp</c> field of its JSON value; null for a record that is
    /// not a tick (another client's, written by the poison-records case), which the writers set aside.
    /// </summary>
    private static long? ExchangeTimestamp(string? key, byte[]? value)
    {
        if (string.IsNullOrEmpty(key) || value is null)
        {
            return null;
        }

        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(value);
            return json.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                   && json.RootElement.TryGetProperty("timestamp", out var timestamp) && timestamp.TryGetInt64(out var ms)
                ? ms
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>Messages on the topic for ticks of the window, how many repeat a tick already seen, and the ticks seen.</summary>
    private (long Messages, long Repeats, HashSet<TickKey> Seen) ReadKafka(ChaosCase chaosCase, long from, long to)
    {
        var end = HighWatermarks();
        using var consumer = new ConsumerBuilder<string, byte[]>(KafkaClientConfigs.Consumer(KafkaOptions(), "chaos-reader", "chaos-reader")).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(Topic, p, chaosCase.StartOffsets[p])));
        var seen = new HashSet<TickKey>();
        long messages = 0, repeats = 0;
        var done = new bool[Partitions];
        var remaining = 0;
        for (var p = 0; p < Partitions; p++)
        {
            done[p] = end[p] <= chaosCase.StartOffsets[p];
            remaining += done[p] ? 0 : 1;
        }

        var deadline = Stopwatch.StartNew();
        while (remaining > 0 && deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            var record = consumer.Consume(TimeSpan.FromSeconds(1));
            if (record is null)
            {
                continue;
            }

            var partition = record.Partition.Value;
            // The record timestamp is the silo's receive time; the tick's identity is its exchange timestamp.
            var timestamp = ExchangeTimestamp(record.Message.Key, record.Message.Value);
            if (timestamp > from && timestamp <= to)
            {
                messages++;
                if (!seen.Add(new TickKey(record.Message.Key, timestamp.Value)))
                {
                    repeats++;
                }
            }

            if (!done[partition] && record.Offset.Value + 1 >= end[partition])
            {
                done[partition] = true;
                remaining--;
            }
        }

        return (messages, repeats, seen);
    }
}
