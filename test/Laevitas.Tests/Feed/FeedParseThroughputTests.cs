using System.Diagnostics;
using System.Text;
using Laevitas.DeribitSimulator;
using Laevitas.Feed;
using Laevitas.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Laevitas.Tests.Feed;

/// <summary>
/// How many ticker notifications the feed's per-message work (parse once, channel lookup, payload copy, tick
/// construction: everything the receive loop does except the socket and the sink) gets through on one core.
/// Frames are recorded from the simulator over a real WebSocket first. The figure is printed, not asserted:
/// run with <c>-c Release --logger "console;verbosity=detailed"</c> to read it.
/// </summary>
public class FeedParseThroughputTests(ITestOutputHelper output)
{
    private const int Frames = 20_000;

    [Fact]
    public async Task ParsesRecordedTickerFramesOnOneCore()
    {
        var (frames, directory) = await RecordAsync();
        var decoder = new TickDecoder(directory);
        var payloadBytes = 0L;
        foreach (var frame in frames)
        {
            decoder.Decode(frame, 0, out var warm);
            Assert.NotNull(warm);
            payloadBytes += warm.Payload.Length;
        }

        // Baseline: a bare Utf8JsonReader pass over the same bytes, the floor any JSON parse pays.
        var baseline = Measure(() =>
        {
            var tokens = 0L;
            foreach (var frame in frames)
            {
                var reader = new System.Text.Json.Utf8JsonReader(frame);
                while (reader.Read())
                {
                    tokens++;
                }
            }

            Assert.True(tokens > frames.Length);
            return frames.Length;
        });

        var decoded = Measure(() =>
        {
            var ticks = 0L;
            foreach (var frame in frames)
            {
                decoder.Decode(frame, 1, out var tick);
                if (tick is not null)
                {
                    ticks++;
                }
            }

            Assert.Equal(frames.Length, ticks);
            return ticks;
        });

        var frameBytes = frames.Sum(f => (long)f.Length);
        output.WriteLine($"{frames.Length:N0} recorded frames, mean {frameBytes / frames.Length} B (payload {payloadBytes / frames.Length} B)");
        output.WriteLine($"feed decode (parse once + channel lookup + payload copy + RawTick): {decoded}");
        output.WriteLine($"baseline (Utf8JsonReader reading every token):                   {baseline}");
    }

    /// <summary>
    /// Runs passes for two seconds of wall time on this thread and divides by the CPU time this thread actually got
    /// (CLOCK_THREAD_CPUTIME_ID): on a shared, loaded machine that is what one core does; wall-clock shown alongside.
    /// </summary>
    private static string Measure(Func<long> pass)
    {
        var count = 0L;
        var cpuBefore = ThreadCpuSeconds();
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(2))
        {
            count += pass();
        }

        stopwatch.Stop();
        var cpu = ThreadCpuSeconds() - cpuBefore;
        return $"{count / cpu:N0} per CPU-second of the measuring thread ({count / stopwatch.Elapsed.TotalSeconds:N0} per wall second; {count:N0} in {stopwatch.Elapsed.TotalSeconds:0.00} s, thread CPU {cpu:0.00} s)";
    }

    private static double ThreadCpuSeconds()
    {
        if (OperatingSystem.IsLinux() && clock_gettime(ClockThreadCpuTimeId, out var time) == 0)
        {
            return time.Seconds + (time.Nanoseconds / 1e9);
        }

        return Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
    }

    private const int ClockThreadCpuTimeId = 3;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = false)]
    private static extern int clock_gettime(int clockId, out TimeSpec time);

    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    /// <summary>Ticker notifications exactly as the simulator sends them, for 1,000 instruments.</summary>
    private static async Task<(byte[][] Frames, ChannelDirectory Directory)> RecordAsync()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(new SimulatorOptions { InstrumentCount = 1_000, TicksPerSecond = 50_000 });
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);
        var listed = await client.CallAsync("public/get_instruments", new { currency = "any" });
        var names = listed.GetProperty("result").EnumerateArray().Select(i => i.GetProperty("instrument_name").GetString()!).ToArray();
        var directory = new ChannelDirectory();
        foreach (var chunk in names.Chunk(sim.Options.Limits.MaxChannelsPerSubscribe))
        {
            var channels = chunk.Select(n => $"ticker.{n}.100ms").ToArray();
            await client.CallAsync("public/subscribe", new { channels });
            foreach (var name in chunk)
            {
                directory.Add($"ticker.{name}.100ms", name);
            }
        }

        var frames = new List<byte[]>(Frames);
        while (frames.Count < Frames)
        {
            var message = await client.NextMessageAsync(TimeSpan.FromSeconds(10));
            Assert.NotNull(message);
            if (message.Contains("\"subscription\"", StringComparison.Ordinal))
            {
                frames.Add(Encoding.UTF8.GetBytes(message));
            }
        }

        return (frames.ToArray(), directory);
    }
}
