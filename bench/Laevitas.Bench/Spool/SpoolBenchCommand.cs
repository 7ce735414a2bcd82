using System.Diagnostics;
using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Grains.Publishing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Laevitas.Bench.Spool;

/// <summary>
/// What "safe once fsynced" costs while the broker is away: callers (instrument grains answering a dispatcher) append
/// their batch to the tick spool and wait for <see cref="SpoolGroupCommit"/>, which runs one fsync for every call that
/// waited while the previous one ran. Per level of concurrent callers: ticks/s, calls/s, calls per fsync and the call
/// latency, as medians over repeated windows, on the machine's real disk.
/// </summary>
internal sealed class SpoolBenchCommand : IBenchCommand
{
    public string Name => "spool";

    public string Usage => "spool [--callers 1,8,64] [--batch 10] [--windows 5] [--window-seconds 3]   (spool append + group-commit fsync, broker away)";

    public async Task<int> RunAsync(BenchArguments arguments, CancellationToken cancellationToken)
    {
        var levels = (arguments.String("callers") ?? "1,8,64").Split(',').Select(int.Parse).ToArray();
        var batch = arguments.Int("batch", 10);
        var windows = arguments.Int("windows", 5);
        var window = TimeSpan.FromSeconds(arguments.Int("window-seconds", 3));
        arguments.RejectUnknown();

        var payload = new byte[700]; // a ticker's JSON is ~700 bytes
        Random.Shared.NextBytes(payload);
        Console.WriteLine($"spool group commit: batches of {batch} ticks of {payload.Length} bytes, {windows} windows of {window.TotalSeconds:0} s per level (medians)");
        Console.WriteLine("  callers | ticks/s | calls/s | calls per fsync | call p50 ms | call p99 ms");
        foreach (var callers in levels)
        {
            var directory = Path.Combine(Path.GetTempPath(), $"laevitas-bench-spool-{Environment.ProcessId}-{callers}");
            try
            {
                using var spool = new TickSpool(directory, maxBytes: 4L << 30, segmentBytes: 64L << 20, NullLogger.Instance);
                var commit = new SpoolGroupCommit(spool);
                var gate = new Lock();
                var results = new List<(double TicksPerSecond, double CallsPerSecond, double CallsPerSync, double P50, double P99)>();
                for (var w = 0; w < windows; w++)
                {
                    var latencies = new List<double>[callers];
                    var syncsBefore = commit.Syncs;
                    var stopAt = Stopwatch.GetTimestamp() + (long)(window.TotalSeconds * Stopwatch.Frequency);
                    var started = Stopwatch.GetTimestamp();
                    var tasks = Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
                    {
                        var mine = latencies[c] = [];
                        var n = 0L;
                        while (Stopwatch.GetTimestamp() < stopAt && !cancellationToken.IsCancellationRequested)
                        {
                            var callStart = Stopwatch.GetTimestamp();
                            lock (gate)
                            {
                                // As the publisher does: appends under its gate, the fsync outside it.
                                for (var i = 0; i < batch; i++)
                                {
                                    spool.TryAppend(new RawTick($"BTC-{c}", ++n, 0, payload));
                                }
                            }

                            await commit.SyncAsync().ConfigureAwait(false);
                            mine.Add(Stopwatch.GetElapsedTime(callStart).TotalMilliseconds);
                        }
                    }, cancellationToken)).ToArray();
                    await Task.WhenAll(tasks).ConfigureAwait(false);
                    var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                    var all = latencies.SelectMany(l => l).Order().ToList();
                    var syncs = Math.Max(1, commit.Syncs - syncsBefore);
                    results.Add((all.Count * batch / seconds, all.Count / seconds, (double)all.Count / syncs, Percentile(all, 0.5), Percentile(all, 0.99)));
                }

                Console.WriteLine($"  {callers,7} | {Statistics.Median(results.Select(r => r.TicksPerSecond)),7:N0} | {Statistics.Median(results.Select(r => r.CallsPerSecond)),7:N0} | " +
                                  $"{Statistics.Median(results.Select(r => r.CallsPerSync)),15:N1} | {Statistics.Median(results.Select(r => r.P50)),11:N2} | {Statistics.Median(results.Select(r => r.P99)),11:N2}");
            }
            finally
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
        }

        return 0;
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
}
