using System.Buffers.Text;
using System.Diagnostics;
using System.Text.Json;
using Laevitas.Bench.EndToEnd;
using Laevitas.Grains.Text;
using Laevitas.Streaming.Kafka.Providers;
using Laevitas.Grains.Writing;

namespace Laevitas.Bench.Parse;

/// <summary>
/// The writer's per-tick parse on the simulator's own ticker payloads: the whole <see cref="TickPayloadParser"/>
/// per ticker, and its numbers alone through <see cref="DecimalDouble"/> (the exact fast path, falling back to the
/// general parser) against the general parser alone (<see cref="Utf8Parser"/>, what
/// <c>Utf8JsonReader.TryGetDouble</c> runs). One thread; best and median of the rounds.
/// </summary>
internal sealed class ParseBenchCommand : IBenchCommand
{
    public string Name => "parse";

    public string Usage => "parse [--instruments 5000] [--ticks 20000] [--rounds 7]";

    public Task<int> RunAsync(BenchArguments arguments, CancellationToken cancellationToken)
    {
        var instruments = arguments.Int("instruments", 5_000);
        var ticks = arguments.Int("ticks", 20_000);
        var rounds = arguments.Int("rounds", 7);
        arguments.RejectUnknown();

        var payloads = SimulatorPayloads.Generate(instruments, ticks).Values;
        var numbers = NumbersOf(payloads);
        var fast = numbers.Count(n => DecimalDouble.TryParse(n, out _));
        Console.WriteLine($"Parse bench: {payloads.Length:N0} simulator tickers ({payloads.Average(p => p.Length):0} bytes), " +
                          $"{numbers.Count:N0} numbers, {100.0 * fast / numbers.Count:0.0} % of them on the fast path; {rounds} rounds");

        var row = new DeribitPriceRow();
        Report("TickPayloadParser.TryParse", "ticker", payloads.Length, rounds, cancellationToken, () =>
        {
            foreach (var payload in payloads)
            {
                if (!TickPayloadParser.TryParse(payload, 0, ref row, out var error))
                {
                    throw new InvalidOperationException($"simulator payload rejected: {error}");
                }
            }
        });

        var sink = 0.0;
        Report("numbers: DecimalDouble, general parser as fallback", "number", numbers.Count, rounds, cancellationToken, () =>
        {
            foreach (var number in numbers)
            {
                if (!DecimalDouble.TryParse(number, out var value) && !Utf8Parser.TryParse(number, out value, out _))
                {
                    throw new InvalidOperationException("unparsable number");
                }

                sink += value;
            }
        });
        Report("numbers: general parser only (Utf8Parser)", "number", numbers.Count, rounds, cancellationToken, () =>
        {
            foreach (var number in numbers)
            {
                if (!Utf8Parser.TryParse(number, out double value, out _))
                {
                    throw new InvalidOperationException("unparsable number");
                }

                sink += value;
            }
        });

        // Keeps the loops from being optimised away.
        return Task.FromResult(double.IsNaN(sink) ? 1 : 0);
    }

    private static List<byte[]> NumbersOf(byte[][] payloads)
    {
        var numbers = new List<byte[]>();
        foreach (var payload in payloads)
        {
            var reader = new Utf8JsonReader(payload);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.Number)
                {
                    numbers.Add(reader.ValueSpan.ToArray());
                }
            }
        }

        return numbers;
    }

    private static void Report(string label, string unit, int count, int rounds, CancellationToken cancellationToken, Action round)
    {
        round(); // warm-up: JIT tiers, caches
        var perItem = new double[rounds];
        for (var r = 0; r < rounds; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var started = Stopwatch.GetTimestamp();
            round();
            perItem[r] = Stopwatch.GetElapsedTime(started).TotalNanoseconds / count;
        }

        Array.Sort(perItem);
        Console.WriteLine($"  {label}: best {perItem[0]:N0} ns, median {perItem[rounds / 2]:N0} ns per {unit}");
    }
}
