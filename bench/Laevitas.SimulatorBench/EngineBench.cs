using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Laevitas.DeribitSimulator.Protocol;
using Laevitas.DeribitSimulator.Ticks;
using Laevitas.DeribitSimulator.Universe;

namespace Laevitas.SimulatorBench;

/// <summary>Tick generation and serialization alone (no sockets): what one core can produce.</summary>
internal static class EngineBench
{
    public static void Run(int instruments, int ticks)
    {
        long nextId = 1;
        var universe = UniverseGenerator.Generate(instruments, 42, DateTimeOffset.UtcNow, ref nextId, out var indexPrices);
        var market = new MarketModel(42, indexPrices);
        var states = universe.Select(i => market.CreateTicker(i, null)).ToArray();
        var channels = universe.Select(i => JsonEncodedText.Encode($"ticker.{i.InstrumentName}.100ms")).ToArray();
        var frames = new FrameBuilder();
        var random = new Random(1);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        long bytes = 0;
        for (var n = 0; n < ticks; n++)
        {
            var i = n % states.Length;
            if (i == 0) market.Step(random);
            var state = states[i];
            state.Advance(state.NextTimestamp(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), random);
            TickerWriter.WriteNotification(frames.Begin(), channels[i], state);
            var frame = frames.Finish(FrameKind.Tick);
            bytes += frame.Length;
            ArrayPool<byte>.Shared.Return(frame.Buffer!);
        }

        var elapsed = watch.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Console.WriteLine($"engine only: {ticks / elapsed:0} ticks/s wall, {ticks / cpuSeconds:0} ticks per CPU-second, {bytes / ticks} B/tick, {allocated / (double)ticks:0.0} B allocated/tick");
    }
}
