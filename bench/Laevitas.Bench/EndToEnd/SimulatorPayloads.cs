using System.Buffers;
using System.Text;
using System.Text.Json;
using Laevitas.DeribitSimulator.Ticks;
using Laevitas.DeribitSimulator.Universe;

namespace Laevitas.Bench.EndToEnd;

/// <summary>
/// Ticker payloads exactly as the simulator sends them (the <c>data</c> object of a notification, which is what the
/// silo publishes to Kafka and the writer parses), made with the simulator's own universe, price model and writer,
/// so the baselines move the same bytes and rows as the pipeline. Instruments take turns, so each instrument's
/// timestamps strictly increase and no two payloads share (instrument, timestamp).
/// </summary>
internal sealed class SimulatorPayloads
{
    private SimulatorPayloads(byte[][] keys, byte[][] values)
    {
        Keys = keys;
        Values = values;
    }

    /// <summary>UTF-8 instrument names: the Kafka message keys.</summary>
    public byte[][] Keys { get; }

    /// <summary>UTF-8 ticker JSON: the Kafka message values.</summary>
    public byte[][] Values { get; }

    public int Count => Values.Length;

    public double AverageBytes => (Keys.Sum(k => (long)k.Length) + Values.Sum(v => (long)v.Length)) / (double)Count;

    public static SimulatorPayloads Generate(int instruments, int count, int seed = 42)
    {
        long nextId = 1;
        var universe = UniverseGenerator.Generate(instruments, seed, DateTimeOffset.UtcNow, ref nextId, out var indexPrices);
        var market = new MarketModel(seed, indexPrices);
        var listed = universe.Select(i => i.InstrumentName).ToHashSet(StringComparer.Ordinal);
        var states = universe.Select(i => market.CreateTicker(i, UnderlyingIndexOf(i, listed))).ToArray();
        var names = universe.Select(i => Encoding.UTF8.GetBytes(i.InstrumentName)).ToArray();
        var random = new Random(seed);
        var buffer = new ArrayBufferWriter<byte>(1024);
        var keys = new byte[count][];
        var values = new byte[count][];
        for (var n = 0; n < count; n++)
        {
            var i = n % states.Length;
            if (i == 0)
            {
                market.Step(random);
            }

            var state = states[i];
            state.Advance(state.NextTimestamp(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), random);
            buffer.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(buffer))
            {
                TickerWriter.WriteData(json, state);
            }

            keys[n] = names[i];
            values[n] = buffer.WrittenSpan.ToArray();
        }

        return new SimulatorPayloads(keys, values);
    }

    // As the simulator's channel registry names it: an option's underlying is its same-expiry future when listed.
    private static string? UnderlyingIndexOf(SimInstrument instrument, HashSet<string> listed)
    {
        if (instrument.Kind != InstrumentKind.Option)
        {
            return null;
        }

        var name = instrument.InstrumentName;
        var firstDash = name.IndexOf('-', StringComparison.Ordinal);
        if (instrument.IsLinear)
        {
            return name[..firstDash];
        }

        var future = name[..name.IndexOf('-', firstDash + 1)];
        return listed.Contains(future) ? future : "SYN." + future;
    }
}
