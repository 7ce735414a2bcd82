using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Laevitas.Bench.Kafka;

/// <summary>
/// Ticker-like messages (key = instrument name, value = ~300 bytes of Deribit-shaped ticker JSON), generated
/// up front so the measurement times Kafka, not JSON writing. The pool is large enough that no two messages in
/// one producer batch are byte-identical, so compression ratios stay honest.
/// </summary>
internal sealed class TickerPayloads
{
    private readonly byte[][] keys;
    private readonly byte[][] values;

    private TickerPayloads(byte[][] keys, byte[][] values)
    {
        this.keys = keys;
        this.values = values;
        AverageBytes = (keys.Sum(k => (long)k.Length) + values.Sum(v => (long)v.Length)) / (double)values.Length;
    }

    /// <summary>Average key + value size.</summary>
    public double AverageBytes { get; }

    public byte[] Key(long sequence) => keys[sequence % keys.Length];

    public byte[] Value(long sequence) => values[sequence % values.Length];

    public static TickerPayloads Generate(int instruments = 2_000, int distinctMessages = 1 << 17, int seed = 42)
    {
        var random = new Random(seed);
        string[] expiries = ["27DEC24", "31JAN25", "28MAR25", "27JUN25", "26SEP25", "26DEC25"];
        var names = new string[instruments];
        for (var i = 0; i < instruments; i++)
        {
            var currency = i % 3 == 0 ? "ETH" : "BTC";
            var strike = currency == "BTC" ? 40_000 + (i / 12 * 1_000) : 1_000 + (i / 12 * 50);
            names[i] = $"{currency}-{expiries[i % expiries.Length]}-{strike}-{(i % 2 == 0 ? 'C' : 'P')}";
        }

        var keys = new byte[distinctMessages][];
        var values = new byte[distinctMessages][];
        var buffer = new ArrayBufferWriter<byte>(512);
        var timestamp = 1_735_300_000_000L;
        for (var i = 0; i < distinctMessages; i++)
        {
            var name = names[random.Next(instruments)];
            timestamp += random.Next(0, 3);
            var index = 97_000 + (random.NextDouble() * 500);
            var mark = random.NextDouble() * 0.2;
            buffer.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteNumber("timestamp", timestamp);
                json.WriteString("instrument_name", name);
                json.WriteNumber("index_price", Math.Round(index, 2));
                json.WriteNumber("mark_price", Math.Round(mark, 4));
                json.WriteNumber("mark_iv", Math.Round(40 + (random.NextDouble() * 30), 2));
                json.WriteNumber("best_bid_price", Math.Round(mark * 0.98, 4));
                json.WriteNumber("best_bid_amount", random.Next(0, 500) / 10.0);
                json.WriteNumber("best_ask_price", Math.Round(mark * 1.02, 4));
                json.WriteNumber("best_ask_amount", random.Next(0, 500) / 10.0);
                json.WriteStartObject("greeks");
                json.WriteNumber("delta", Math.Round((random.NextDouble() * 2) - 1, 5));
                json.WriteNumber("gamma", Math.Round(random.NextDouble() / 10_000, 5));
                json.WriteNumber("vega", Math.Round(random.NextDouble() * 200, 5));
                json.WriteNumber("theta", Math.Round(-random.NextDouble() * 150, 5));
                json.WriteEndObject();
                json.WriteEndObject();
            }

            keys[i] = Encoding.UTF8.GetBytes(name);
            values[i] = buffer.WrittenSpan.ToArray();
        }

        return new TickerPayloads(keys, values);
    }
}
