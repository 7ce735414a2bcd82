using System.Diagnostics;
using System.Text;
using Laevitas.Grains.Abstractions.Hosting;
using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Grains.Instruments;
using Laevitas.Grains.Publishing;
using Laevitas.Silo.Dispatch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Laevitas.Bench.Dispatch;

/// <summary>
/// How to hand ticks from the feed to grains, measured in one silo without Kafka or a database: one-way call per
/// tick, awaited call per tick (one in flight per instrument, to keep order), and what the silo does —
/// <see cref="GrainTickSink"/> batching per instrument into awaited calls to the real <see cref="InstrumentGrain"/>.
/// Ticks are offered at <c>--rate</c> for <c>--seconds</c>; reported is what the grains took per second and what
/// was still waiting when the offer stopped.
/// </summary>
internal sealed class DispatchBenchCommand : IBenchCommand
{
    public string Name => "dispatch";

    public string Usage => "dispatch [--instruments 5000] [--rate 100000] [--seconds 10] [--mode all|oneway|awaited|batched]";

    public async Task<int> RunAsync(BenchArguments arguments, CancellationToken cancellationToken)
    {
        var instruments = arguments.Int("instruments", 5_000);
        var rate = arguments.Int("rate", 100_000);
        var seconds = arguments.Int("seconds", 10);
        var mode = arguments.String("mode") ?? "all";
        arguments.RejectUnknown();

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // Errors at shutdown (memory storage going away before the grains write) are not part of the measurement.
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Critical);
        var publisher = new CountingPublisher();
        builder.Services.AddSingleton<ITickPublisher>(publisher);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.Services.AddOptions<InstrumentGrainOptions>();
        builder.Services.AddOptions<DispatchOptions>();
        builder.Services.AddSingleton<GrainTickSink>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<GrainTickSink>());
        builder.UseOrleans(silo => silo.UseLocalhostClustering().AddMemoryGrainStorage(ProviderNames.GrainStorage));
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var names = Enumerable.Range(0, instruments).Select(i => $"BTC-29DEC28-{10_000 + i}-C").ToArray();
        var payload = Encoding.UTF8.GetBytes(new string('x', 700));
        Console.WriteLine($"Dispatch bench: {instruments:N0} instruments, {rate:N0} ticks/s offered for {seconds} s, {Environment.ProcessorCount} cores");

        if (mode is "all" or "oneway")
        {
            await RunModeAsync("one-way call per tick", names, payload, rate, seconds, () => DispatchBenchGrain.Taken, tick =>
                _ = grains.GetGrain<IDispatchBenchGrain>(tick.InstrumentName).TakeOneWayAsync(new TickBatch([tick])), () => 0, cancellationToken);
        }

        if (mode is "all" or "awaited")
        {
            var perTick = new PerInstrumentAwaited(grains);
            await RunModeAsync("awaited call per tick", names, payload, rate, seconds, () => DispatchBenchGrain.Taken, perTick.Offer, () => perTick.Waiting, cancellationToken);
        }

        if (mode is "all" or "batched")
        {
            var sink = host.Services.GetRequiredService<GrainTickSink>();
            await RunModeAsync("GrainTickSink → InstrumentGrain", names, payload, rate, seconds, () => publisher.Published, sink.OnTick, () => sink.GetStatus().Pending, cancellationToken);
        }

        await host.StopAsync(CancellationToken.None);
        return 0;
    }

    private static async Task RunModeAsync(
        string label, string[] names, byte[] payload, int rate, int seconds, Func<long> taken, Action<RawTick> offer, Func<long> waiting,
        CancellationToken cancellationToken)
    {
        // Every instrument once first, so activation is not part of the measurement.
        var sequence = 0L;
        foreach (var name in names)
        {
            offer(new RawTick(name, ++sequence, 0, payload));
        }

        var warm = Stopwatch.StartNew();
        while (taken() < names.Length && warm.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(50, cancellationToken);
        }

        var start = taken();
        using var self = Process.GetCurrentProcess();
        var cpuStart = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var offered = 0L;
        await Task.Run(
            () =>
            {
                while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
                {
                    var due = (long)(clock.Elapsed.TotalSeconds * rate);
                    while (offered < due)
                    {
                        offer(new RawTick(names[offered % names.Length], ++sequence, 0, payload));
                        offered++;
                    }

                    Thread.Sleep(1);
                }
            },
            cancellationToken);
        var elapsed = clock.Elapsed.TotalSeconds;
        var done = taken() - start;
        self.Refresh();
        var cpu = (self.TotalProcessorTime - cpuStart).TotalSeconds / elapsed;
        Console.WriteLine($"  {label,-34} offered {offered / elapsed,9:N0}/s  taken {done / elapsed,9:N0}/s  waiting at the end {Math.Max(0, waiting() + (offered - done)):N0}  CPU {cpu * 100:0}% of a core");

        // Let the backlog drain before the next mode.
        var drain = Stopwatch.StartNew();
        while (taken() - start < offered && drain.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>One awaited single-tick call in flight per instrument; the rest wait in order behind it.</summary>
    private sealed class PerInstrumentAwaited(IGrainFactory grains)
    {
        private readonly Dictionary<string, Queue<RawTick>> queues = new(StringComparer.Ordinal);
        private readonly Lock gate = new();
        private long waiting;

        public long Waiting => Interlocked.Read(ref waiting);

        public void Offer(RawTick tick)
        {
            Interlocked.Increment(ref waiting);
            lock (gate)
            {
                if (queues.TryGetValue(tick.InstrumentName, out var queue))
                {
                    queue.Enqueue(tick);
                    return;
                }

                queues[tick.InstrumentName] = new Queue<RawTick>();
            }

            _ = SendAsync(tick);
        }

        private async Task SendAsync(RawTick tick)
        {
            while (true)
            {
                await grains.GetGrain<IDispatchBenchGrain>(tick.InstrumentName).TakeAsync(new TickBatch([tick]));
                Interlocked.Decrement(ref waiting);
                lock (gate)
                {
                    var queue = queues[tick.InstrumentName];
                    if (!queue.TryDequeue(out var next))
                    {
                        queues.Remove(tick.InstrumentName);
                        return;
                    }

                    tick = next;
                }
            }
        }
    }
}
