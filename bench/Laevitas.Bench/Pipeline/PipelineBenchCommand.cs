using Laevitas.Silo.FeedPlacement;
using Laevitas.Grains.Instruments;
using System.Diagnostics;
using System.Globalization;
using Laevitas.DeribitSimulator;
using Laevitas.Streaming.Kafka;
using Laevitas.Grains.Publishing;
using Laevitas.Grains.Storage;
using Laevitas.Silo.Dispatch;
using Laevitas.LocalInfrastructure.Kafka;
using Laevitas.LocalInfrastructure.Postgres;
using Laevitas.Feed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Laevitas.Bench.Pipeline;

/// <summary>
/// Feed → instrument grains → Kafka, as wired in the silo: the simulator emits as fast as asked, the silo's feed
/// reads it, <see cref="GrainTickSink"/> hands ticks to the grains, the grains publish to the embedded Kafka
/// cluster; grain state goes to a private PostgreSQL. Prints ticks/s at each stage and the process's memory with
/// every instrument's grain active. Everything runs in this one process on the same cores, simulator included.
/// </summary>
internal sealed class PipelineBenchCommand : IBenchCommand
{
    public string Name => "pipeline";

    public string Usage => "pipeline [--instruments 5000] [--rate 50000] [--seconds 30] [--warmup 10] [--partitions 8]";

    public async Task<int> RunAsync(BenchArguments arguments, CancellationToken cancellationToken)
    {
        var instruments = arguments.Int("instruments", 5_000);
        var rate = arguments.Int("rate", 50_000);
        var seconds = arguments.Int("seconds", 30);
        var warmup = arguments.Int("warmup", 10, min: 0);
        var partitions = arguments.Int("partitions", 8);
        arguments.RejectUnknown();

        await using var postgres = new PrivatePostgres();
        await postgres.StartAsync(cancellationToken);
        using var kafka = MockKafkaCluster.Create(3);
        const string topic = "deribit";
        kafka.CreateTopic(topic, partitions);
        // The silo provisions the dead-letter topic next to the tick topic; the mock cannot create topics on request.
        kafka.CreateTopic(new Laevitas.Streaming.Kafka.KafkaOptions { Topic = topic }.DeadLetterTopicName, partitions);
        kafka.CreateTopic(new Laevitas.Streaming.Kafka.KafkaOptions { Topic = topic }.TradesTopicName, partitions);
        var simulatorOptions = new SimulatorOptions { InstrumentCount = instruments, TicksPerSecond = 0 };
        await using var simulator = await DeribitSimulatorServer.StartAsync(simulatorOptions, cancellationToken);
        var spool = Path.Combine(Path.GetTempPath(), "laevitas-bench-spool-" + Environment.ProcessId);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Bench" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = postgres.ConnectionString,
            ["Kafka:BootstrapServers"] = kafka.BootstrapServers,
            ["Kafka:Topic"] = topic,
            ["Kafka:Partitions"] = partitions.ToString(CultureInfo.InvariantCulture),
            ["Publisher:SpoolDirectory"] = spool,
            ["Deribit:Url"] = simulator.Url,
            ["Deribit:Currencies"] = "BTC,ETH,USDC",
            ["Deribit:ChannelsPerConnection"] = "1000",
            ["Deribit:ChannelsPerSubscribeCall"] = simulatorOptions.Limits.MaxChannelsPerSubscribe.ToString(CultureInfo.InvariantCulture),
        });
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddLaevitasPostgres(builder.Configuration);
        builder.UseOrleans(silo => silo.UseLocalhostClustering().AddLaevitasGrainStorage().AddLaevitasInstruments().AddTickDispatch());
        builder.Services.AddDeribitFeed<GrainTickSink>(builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        try
        {
            var feed = host.Services.GetRequiredService<FeedStatus>();
            var sink = host.Services.GetRequiredService<GrainTickSink>();
            var publisher = host.Services.GetRequiredService<KafkaTickPublisher>();
            Console.WriteLine($"Pipeline bench: {instruments:N0} instruments, simulator asked for {rate:N0} ticks/s, {partitions} partitions, " +
                              $"{Environment.ProcessorCount} cores, server GC {System.Runtime.GCSettings.IsServerGC}");
            var subscribing = Stopwatch.StartNew();
            while (feed.ChannelsSubscribed < instruments)
            {
                if (subscribing.Elapsed > TimeSpan.FromMinutes(2))
                {
                    Console.Error.WriteLine($"Only {feed.ChannelsSubscribed} of {instruments} channels subscribed after 2 min: {feed.Snapshot()}");
                    return 1;
                }

                await Task.Delay(200, cancellationToken);
            }

            Console.WriteLine($"All {instruments:N0} channels subscribed in {subscribing.Elapsed.TotalSeconds:0.0} s");
            simulator.TicksPerSecond = rate;
            await Task.Delay(TimeSpan.FromSeconds(warmup), cancellationToken);

            var start = Sample.Take(simulator, feed, sink, publisher);
            await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
            var end = Sample.Take(simulator, feed, sink, publisher);
            var span = (end.At - start.At).TotalSeconds;
            Console.WriteLine($"Over {span:0.0} s:");
            Console.WriteLine($"  simulator sent         {(end.Sent - start.Sent) / span,12:N0} ticks/s");
            Console.WriteLine($"  feed received          {(end.Received - start.Received) / span,12:N0} ticks/s");
            Console.WriteLine($"  handed to grains       {(end.Dispatched - start.Dispatched) / span,12:N0} ticks/s");
            Console.WriteLine($"  acknowledged by Kafka  {(end.Published - start.Published) / span,12:N0} ticks/s");
            Console.WriteLine($"  backlog at the end: dispatch {sink.GetStatus().Pending:N0}, producer {publisher.GetStatus().Buffered:N0}, spool {publisher.GetStatus().SpoolPending:N0}");
            Console.WriteLine($"  CPU {(end.Cpu - start.Cpu).TotalSeconds / span * 100:0}% of one core");

            simulator.TicksPerSecond = 0;
            var draining = Stopwatch.StartNew();
            while ((publisher.GetStatus().Published < simulator.TicksSent || sink.GetStatus().Pending > 0) && draining.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(100, cancellationToken);
            }

            var status = publisher.GetStatus();
            Console.WriteLine($"Drained in {draining.Elapsed.TotalSeconds:0.0} s: sent {simulator.TicksSent:N0}, received {feed.TicksReceived:N0}, " +
                              $"published {status.Published:N0}, dropped {status.Dropped + sink.GetStatus().Dropped:N0}");

            var activations = await host.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
            var instrumentActivations = activations.Where(s => s.GrainType.Contains("InstrumentGrain", StringComparison.Ordinal)).Sum(s => s.ActivationCount);
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            using var self = Process.GetCurrentProcess();
            Console.WriteLine($"Memory with {instrumentActivations:N0} instrument grains active: working set {self.WorkingSet64 / 1048576.0:N0} MiB, " +
                              $"managed heap after full GC {GC.GetTotalMemory(false) / 1048576.0:N0} MiB (process includes simulator and embedded Kafka)");
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            if (Directory.Exists(spool))
            {
                Directory.Delete(spool, recursive: true);
            }
        }

        return 0;
    }

    private sealed record Sample(DateTime At, long Sent, long Received, long Dispatched, long Published, TimeSpan Cpu)
    {
        public static Sample Take(DeribitSimulatorServer simulator, FeedStatus feed, GrainTickSink sink, KafkaTickPublisher publisher)
        {
            using var self = Process.GetCurrentProcess();
            return new(DateTime.UtcNow, simulator.TicksSent, feed.TicksReceived, sink.GetStatus().Dispatched, publisher.GetStatus().Published, self.TotalProcessorTime);
        }
    }
}
