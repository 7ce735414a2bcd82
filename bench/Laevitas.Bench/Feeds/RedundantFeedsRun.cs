using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Laevitas.Bench.EndToEnd;
using Laevitas.DeribitSimulator;
using Laevitas.LocalInfrastructure.Kafka;
using Laevitas.Testing.Processes;

namespace Laevitas.Bench.Feeds;

/// <summary>
/// What a second, redundant feed costs (issue 20 item 6): the same two-silo cluster (AdoNet clustering on the bench's
/// PostgreSQL, its own topic) at the same offered load, first with <c>Deribit:FeedReplicas</c> 1, then 2. With two,
/// the exchange sends every tick twice, both silos read and parse it, and the instrument grain drops the later copy;
/// the difference in the silos' CPU and memory is that cost. It also counts the messages on the topic against the
/// ticks the market generated: with two feeds Kafka must still carry each tick once.
/// </summary>
internal sealed class RedundantFeedsRun(
    RedundantFeedsSettings settings, string connectionString, MockKafkaCluster? cluster, string servers,
    IReadOnlyDictionary<string, string> siloEnvironment, CancellationToken cancellationToken)
{
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan SettleQuiet = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(60);

    public async Task<RedundantFeedsResult> RunAsync()
    {
        var options = new SimulatorOptions { InstrumentCount = settings.Instruments, TicksPerSecond = 0 };
        await using var simulator = await DeribitSimulatorServer.StartAsync(options, cancellationToken);
        var one = await MeasureAsync(simulator, 1);
        var two = await MeasureAsync(simulator, 2);
        return new RedundantFeedsResult(settings.Instruments, settings.Rate, settings.Window, one, two);
    }

    private async Task<FeedsConfiguration> MeasureAsync(DeribitSimulatorServer simulator, int feeds)
    {
        simulator.TicksPerSecond = 0;
        var stamp = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        var topic = $"deribit-feeds{feeds}-{stamp}";
        cluster?.CreateTopic(topic, settings.Partitions);
        cluster?.CreateTopic(new Laevitas.Streaming.Kafka.KafkaOptions { Topic = topic }.DeadLetterTopicName, settings.Partitions);
        cluster?.CreateTopic(new Laevitas.Streaming.Kafka.KafkaOptions { Topic = topic }.TradesTopicName, settings.Partitions);
        var work = Directory.CreateTempSubdirectory("laevitas-bench-feeds-");
        var environment = new Dictionary<string, string>(siloEnvironment, StringComparer.Ordinal)
        {
            ["Deribit__Url"] = simulator.Url,
            ["Deribit__Currencies"] = "any",
            ["Deribit__Kinds"] = "option,future",
            ["Deribit__FeedReplicas"] = feeds.ToString(CultureInfo.InvariantCulture),
            ["ConnectionStrings__Postgres"] = connectionString,
            ["Kafka__BootstrapServers"] = servers,
            ["Kafka__Topic"] = topic,
            ["Kafka__Partitions"] = settings.Partitions.ToString(CultureInfo.InvariantCulture),
            ["Orleans__ClusteringMode"] = "AdoNet",
            ["Orleans__ClusterId"] = $"bench-feeds{feeds}-{stamp}",
            ["Orleans__AdvertisedIPAddress"] = "127.0.0.1",
        };
        SiloProcess[] silos =
        [
            new("silo-a", work.FullName, Path.Combine(work.FullName, "spool-a"), environment, RepositoryLayout.SiloAssembly),
            new("silo-b", work.FullName, Path.Combine(work.FullName, "spool-b"), environment, RepositoryLayout.SiloAssembly),
        ];
        Log($"Feeds {feeds}: two silos (AdoNet clustering, Deribit:FeedReplicas={feeds}); logs in {work.FullName}");
        try
        {
            // One after the other, so that with one feed it is the first (the oldest) that runs it.
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            for (var i = 0; i < silos.Length; i++)
            {
                var silo = silos[i];
                silo.Start();
                await WaitAsync(() => IsReadyAsync(http, silo), $"{silo.Name} ready", silos[..(i + 1)]);
            }

            var channels = (long)settings.Instruments * feeds;
            await WaitAsync(() => Task.FromResult(simulator.GetStatistics().Subscriptions >= channels), $"{channels:N0} channels subscribed", silos);

            var generatedAtStart = simulator.MarketLedger.TotalGenerated;
            var onTopicAtStart = await OnTopicAsync(topic);
            simulator.TicksPerSecond = settings.Rate;
            var maxRss = new long[silos.Length];
            await WatchAsync(silos, settings.Warmup, maxRss);
            var windows = new List<FeedsWindow>();
            for (var i = 0; i < settings.Windows; i++)
            {
                var start = await TakeAsync(simulator, silos, topic);
                await WatchAsync(silos, settings.Window, maxRss);
                var end = await TakeAsync(simulator, silos, topic);
                var seconds = (end.At - start.At).TotalSeconds;
                var window = new FeedsWindow(
                    start.Cpu.Zip(end.Cpu, (a, b) => (b - a).TotalSeconds / seconds).ToArray(),
                    (end.Generated - start.Generated) / seconds,
                    (end.Sent - start.Sent) / seconds,
                    (end.OnTopic - start.OnTopic) / seconds);
                windows.Add(window);
                Log($"  window {i + 1}: silos {string.Join(" + ", window.SiloCores.Select(c => c.ToString("0.00", CultureInfo.InvariantCulture)))} = {window.TotalCores:0.00} cores; " +
                    $"generated {window.GeneratedPerSecond:N0}/s, sent {window.SentPerSecond:N0}/s, onto Kafka {window.PublishedPerSecond:N0}/s");
            }

            simulator.TicksPerSecond = 0;
            var onTopic = await SettleAsync(topic) - onTopicAtStart;
            var generated = simulator.MarketLedger.TotalGenerated - generatedAtStart;
            Log($"  after the load: {generated:N0} ticks generated, {onTopic:N0} messages on the topic; RSS max {string.Join(" + ", maxRss.Select(Mib))}");
            return new FeedsConfiguration(feeds, windows, maxRss, generated, onTopic);
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.StopAsync(TimeSpan.FromSeconds(30));
                await silo.DisposeAsync();
            }

            cluster?.DeleteTopic(topic);
            cluster?.DeleteTopic(new Laevitas.Streaming.Kafka.KafkaOptions { Topic = topic }.TradesTopicName);
            // Connections closed: the next configuration counts its own subscriptions from zero.
            await WaitAsync(() => Task.FromResult(simulator.GetStatistics().Subscriptions == 0), "the simulator to see every connection closed", []);
        }
    }

    private async Task<Snapshot> TakeAsync(DeribitSimulatorServer simulator, SiloProcess[] silos, string topic)
    {
        var cpu = silos.Select(s => (s.Sample() ?? throw new InvalidOperationException($"{s.Name} exited during the run:{Environment.NewLine}{s.Tail()}")).Cpu).ToArray();
        return new Snapshot(DateTime.UtcNow, cpu, simulator.MarketLedger.TotalGenerated, simulator.TicksSent, await OnTopicAsync(topic));
    }

    /// <summary>Messages appended to the topic so far: the sum of its partitions' high watermarks.</summary>
    private Task<long> OnTopicAsync(string topic) => Task.Run(() =>
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = servers, GroupId = "laevitas-bench-watermarks" }).Build();
        long total = 0;
        for (var partition = 0; partition < settings.Partitions; partition++)
        {
            total += consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition), TimeSpan.FromSeconds(10)).High.Value;
        }

        return total;
    }, cancellationToken);

    /// <summary>Waits until nothing more reaches the topic for <see cref="SettleQuiet"/>; returns the count then.</summary>
    private async Task<long> SettleAsync(string topic)
    {
        var settling = Stopwatch.StartNew();
        var quiet = Stopwatch.StartNew();
        var last = await OnTopicAsync(topic);
        while (quiet.Elapsed < SettleQuiet && settling.Elapsed < SettleTimeout)
        {
            await Task.Delay(SampleInterval, cancellationToken);
            var now = await OnTopicAsync(topic);
            if (now != last)
            {
                last = now;
                quiet.Restart();
            }
        }

        return last;
    }

    private async Task WatchAsync(SiloProcess[] silos, TimeSpan duration, long[] maxRss)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < duration)
        {
            for (var i = 0; i < silos.Length; i++)
            {
                var sample = silos[i].Sample() ?? throw new InvalidOperationException($"{silos[i].Name} exited during the run:{Environment.NewLine}{silos[i].Tail()}");
                maxRss[i] = Math.Max(maxRss[i], sample.RssBytes);
            }

            var left = duration - watch.Elapsed;
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left < SampleInterval ? left : SampleInterval, cancellationToken);
            }
        }
    }

    private async Task WaitAsync(Func<Task<bool>> condition, string what, SiloProcess[] silos)
    {
        var waiting = Stopwatch.StartNew();
        while (!await condition())
        {
            if (waiting.Elapsed > StartupTimeout || silos.Any(s => !s.IsRunning))
            {
                var tails = string.Join(Environment.NewLine, silos.Select(s => $"{s.Name}: {s.Tail(5)}"));
                throw new InvalidOperationException($"Waited {waiting.Elapsed.TotalSeconds:0} s for {what}.{Environment.NewLine}{tails}");
            }

            await Task.Delay(SampleInterval, cancellationToken);
        }
    }

    private async Task<bool> IsReadyAsync(HttpClient http, SiloProcess silo)
    {
        try
        {
            using var response = await http.GetAsync($"{silo.HttpBase}/health/ready", cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:N0} MiB");

    private static void Log(string message) => EndToEndBenchCommand.Log(message);

    private readonly record struct Snapshot(DateTime At, TimeSpan[] Cpu, long Generated, long Sent, long OnTopic);
}
