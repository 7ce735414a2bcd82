using Laevitas.Testing.Processes;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;
using Laevitas.DeribitSimulator;
using Laevitas.LocalInfrastructure.Kafka;
using Laevitas.LocalInfrastructure.Processes;

namespace Laevitas.Bench.EndToEnd;

/// <summary>
/// The whole pipeline against its physical baselines, in one run: simulator (in this process, loopback WebSocket)
/// → silo (its own process, Release build, configured by environment) → Kafka (the embedded mock cluster in this
/// process, or <c>--kafka</c>) → PostgreSQL (a private server started for the run). Measures raw COPY and raw
/// produce+consume first, with nothing else running; then start-up time, latency at fixed offered loads, and the
/// sustained rate when offered more than the pipeline can take. Writes <c>results.md</c> and <c>results.png</c>.
/// </summary>
internal sealed class EndToEndBenchCommand : IBenchCommand
{
    private const int PayloadPoolSize = 100_000;
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan IdleWindow = TimeSpan.FromSeconds(5);

    // The simulator's rate while the silo starts, whatever the load levels: start-up is measured against it.
    private const int StartUpRate = 1_000;

    /// <summary>How long a drain may go without a new row before the bench stops waiting for it.</summary>
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The silo's GC gen0 budget per heap, 16 MiB, as run.sh and deploy/docker/silo.Dockerfile set it.</summary>
    private const string SiloGen0Budget = "0x1000000";

    public string Name => "all";

    public string Usage => EndToEndSettings.Usage;

    public async Task<int> RunAsync(BenchArguments arguments, CancellationToken cancellationToken)
    {
        var settings = EndToEndSettings.Read(arguments);
        if (RepositoryLayout.Configuration != "Release")
        {
            Console.Error.WriteLine($"This is a {RepositoryLayout.Configuration} build; figures need Release: ./bench.sh or dotnet run -c Release --project bench/Laevitas.Bench -- all");
            return 2;
        }

        var total = Stopwatch.StartNew();
        var results = new EndToEndResults
        {
            Settings = settings,
            Machine = MachineInfo.Read(),
            StartedUtc = DateTime.UtcNow,
            LoadAverageAtStart = MachineInfo.LoadAverage(),
        };
        Log($"Machine: {results.Machine.CpuModel}, {results.Machine.LogicalCpus} CPUs, {results.Machine.MemoryGiB:0.0} GiB, load average {results.LoadAverageAtStart}");

        await using var database = await BenchDatabase.StartAsync(settings.Fsync, cancellationToken);
        results.PostgresVersion = database.ServerVersion;
        using var cluster = settings.Kafka is null ? MockKafkaCluster.Create(3) : null;
        var servers = settings.Kafka ?? cluster!.BootstrapServers;
        results.KafkaDescription = cluster is null
            ? $"broker at {servers}"
            : $"embedded librdkafka mock cluster, 3 brokers, in the bench process (librdkafka {Library.VersionString})";
        Log($"PostgreSQL {database.ServerVersion} (fsync {(settings.Fsync ? "on" : "off")}, track_commit_timestamp on); Kafka: {results.KafkaDescription}");

        var payloads = SimulatorPayloads.Generate(settings.Instruments, PayloadPoolSize);
        results.PayloadBytes = payloads.AverageBytes;
        if (!settings.SkipBaselines)
        {
            await RunBaselinesAsync(settings, database, cluster, servers, payloads, results, cancellationToken);
        }

        payloads = null;
        GC.Collect();
        await database.ResetAsync(cancellationToken);
        var exitCode = await RunPipelineAsync(settings, database, cluster, servers, results, cancellationToken);

        results.LoadAverageAtEnd = MachineInfo.LoadAverage();
        results.TotalTime = total.Elapsed;
        Directory.CreateDirectory(settings.OutputDirectory);
        var markdown = Path.Combine(settings.OutputDirectory, "results.md");
        var plot = Path.Combine(settings.OutputDirectory, "results.png");
        ResultsPlot.Write(results, plot);
        await File.WriteAllTextAsync(markdown, ResultsReport.Markdown(results, BenchCommandLine()), cancellationToken);
        Log($"Wrote {markdown} and {plot} ({total.Elapsed.TotalMinutes:0.0} min in all)");
        Console.WriteLine();
        Console.WriteLine(ResultsReport.SummaryTable(results));
        return exitCode;
    }

    private static async Task RunBaselinesAsync(
        EndToEndSettings settings, BenchDatabase database, MockKafkaCluster? cluster, string servers, SimulatorPayloads payloads,
        EndToEndResults results, CancellationToken cancellationToken)
    {
        var rows = CopyBaseline.Rows(payloads);
        foreach (var throughStore in new[] { false, true })
        {
            foreach (var connections in new[] { 1, settings.CopyConnections }.Distinct())
            {
                await database.ResetAsync(cancellationToken);
                var copy = await CopyBaseline.RunAsync(database, rows, settings.BatchRows, connections, throughStore, settings.BaselineDuration, cancellationToken);
                results.CopyBaselines.Add(copy);
                Log($"Baseline {copy.Method}, {connections} connection(s): {copy.RowsPerSecond:N0} rows/s ({copy.Rows:N0} rows in {copy.Elapsed.TotalSeconds:0.0} s; " +
                    $"PostgreSQL {copy.PostgresCpu.TotalSeconds / copy.Elapsed.TotalSeconds:0.00} cores, bench {copy.BenchCpu.TotalSeconds / copy.Elapsed.TotalSeconds:0.00} cores)");
            }
        }

        var kafka = await KafkaBaseline.RunAsync(servers, cluster, settings.Partitions, payloads, settings.BaselineDuration, cancellationToken);
        results.KafkaBaseline = kafka;
        Log($"Baseline Kafka produce+consume: {kafka.MessagesPerSecond:N0} msg/s ({kafka.Consumed:N0} of {kafka.Produced:N0} consumed in {kafka.Elapsed.TotalSeconds:0.0} s, " +
            $"{kafka.ProcessCpu.TotalSeconds / kafka.Elapsed.TotalSeconds:0.00} cores{(kafka.Trimmed ? ", the broker TRIMMED unread data" : "")})");
    }

    private static async Task<int> RunPipelineAsync(
        EndToEndSettings settings, BenchDatabase database, MockKafkaCluster? cluster, string servers, EndToEndResults results, CancellationToken cancellationToken)
    {
        var simulatorOptions = new SimulatorOptions { InstrumentCount = settings.Instruments, TicksPerSecond = StartUpRate };
        await using var simulator = await DeribitSimulatorServer.StartAsync(simulatorOptions, cancellationToken);
        // A topic of its own per run: with a real broker, an old run's ticks must not be replayed into this one.
        var topic = $"deribit-bench-{DateTime.UtcNow:yyyyMMddHHmmss}";
        cluster?.CreateTopic(topic, settings.Partitions);
        var work = Directory.CreateTempSubdirectory("laevitas-bench-");
        var environment = new Dictionary<string, string>
        {
            ["Deribit__Url"] = simulator.Url,
            ["Deribit__Currencies"] = "any",
            ["Deribit__Kinds"] = "option,future",
            ["ConnectionStrings__Postgres"] = database.ConnectionString,
            ["Kafka__BootstrapServers"] = servers,
            ["Kafka__Topic"] = topic,
            ["Kafka__Partitions"] = settings.Partitions.ToString(CultureInfo.InvariantCulture),
            // As run.sh and the container image start the silo (see there); --silo-env DOTNET_GCgen0size=0 measures
            // the runtime's default.
            ["DOTNET_GCgen0size"] = SiloGen0Budget,
        };
        foreach (var (name, value) in settings.SiloEnvironment)
        {
            environment[name] = value;
        }

        var logPath = Path.Combine(work.FullName, "silo.log");
        Log($"Starting the silo ({RepositoryLayout.SiloAssembly}); its log: {logPath}");
        // Its own free ports, spool directory and log file (work/silo.log); its address is silo.HttpBase.
        var silo = new SiloProcess("silo", work.FullName, Path.Combine(work.FullName, "spool"), environment, RepositoryLayout.SiloAssembly);
        silo.Start();
        Log($"Silo process {silo.ProcessId}");
        try
        {
            using var probe = new SiloStatsProbe(silo.HttpBase);
            var run = new PipelineRun(settings, database, simulator, silo, probe, cancellationToken);
            if (!await run.StartUpAsync(results))
            {
                return 1;
            }

            foreach (var load in settings.Loads)
            {
                var phase = await run.PhaseAsync(string.Create(CultureInfo.InvariantCulture, $"{load:N0}/s"), load, settings.Warmup);
                results.FixedLoads.Add(phase);
            }

            await run.MeasureIdleAsync(results);
            results.Saturation = await run.PhaseAsync("saturation", settings.MaxRate, settings.SaturationWarmup);
            results.SiloPeakRssBytes = silo.Sample()?.PeakRssBytes ?? 0;
            results.TicksSent = run.SentTotal;
            results.RowsStored = await run.StoredTotalAsync();
            results.SiloCountersAtEnd = await probe.DescribeAsync(cancellationToken);
            var stopped = await silo.StopAsync(TimeSpan.FromSeconds(30));
            Log($"Silo stopped in {stopped.TotalSeconds:0.0} s; peak RSS {results.SiloPeakRssBytes / 1048576.0:N0} MiB");
            return 0;
        }
        catch (PipelineFailedException ex)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine($"Last silo output ({logPath}):{Environment.NewLine}{silo.Tail()}");
            return 1;
        }
        finally
        {
            await silo.DisposeAsync();
            if (cluster is not null)
            {
                cluster.DeleteTopic(topic);
            }

            TryDelete(Path.Combine(work.FullName, "spool"));
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Only a temporary spool: left for the OS to clean.
        }
    }

    private static string BenchCommandLine() =>
        Environment.GetEnvironmentVariable("LAEVITAS_BENCH_COMMAND")
        ?? "dotnet run -c Release --project bench/Laevitas.Bench -- " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1));

    internal static void Log(string message) =>
        Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");

    /// <summary>The silo-side part of a run: waits, phases, measurements; one instance per silo process.</summary>
    private sealed class PipelineRun(
        EndToEndSettings settings, BenchDatabase database, DeribitSimulatorServer simulator, SiloProcess silo, SiloStatsProbe probe,
        CancellationToken cancellationToken)
    {
        // Ticks the simulator had sent when the table was last emptied: the rows expected now are the ones sent since.
        private long sentAtReset;

        public long SentTotal => simulator.TicksSent;

        // Rows counted before each reset of the table.
        private long storedBeforeReset;

        public async Task<long> StoredTotalAsync() => storedBeforeReset + await database.CountAsync(cancellationToken);

        public async Task<bool> StartUpAsync(EndToEndResults results)
        {
            var waiting = Stopwatch.StartNew();
            DateTime? first = null;
            TimeSpan? allSubscribed = null;
            while (first is null || allSubscribed is null)
            {
                EnsureSiloRunning();
                if (waiting.Elapsed > StartupTimeout)
                {
                    throw new PipelineFailedException(
                        $"After {StartupTimeout.TotalMinutes:0} min: first row {(first is null ? "not seen" : "seen")}, " +
                        $"{simulator.GetStatistics().Subscriptions:N0} of {settings.Instruments:N0} channels subscribed.");
                }

                first ??= await database.FirstCommitAsync(cancellationToken);
                if (allSubscribed is null && simulator.GetStatistics().Subscriptions >= settings.Instruments)
                {
                    allSubscribed = DateTime.UtcNow - silo.StartedAtUtc;
                }

                await Task.Delay(100, cancellationToken);
            }

            results.StartupToFirstRow = first.Value - silo.StartedAtUtc;
            results.StartupToAllSubscribed = allSubscribed;
            Log($"Start-up: first row committed {results.StartupToFirstRow.Value.TotalSeconds:0.00} s after the silo process started; " +
                $"all {settings.Instruments:N0} channels subscribed after {allSubscribed.Value.TotalSeconds:0.0} s");
            simulator.TicksPerSecond = 0;
            await DrainAsync();
            return true;
        }

        /// <summary>
        /// What the silo costs with every channel subscribed and no ticks (timers, polling, heartbeats), measured after
        /// the load levels so that start-up work (tiered JIT, first state writes) is over.
        /// </summary>
        public async Task MeasureIdleAsync(EndToEndResults results)
        {
            var before = silo.Sample() ?? throw new PipelineFailedException("The silo process is gone.");
            await WatchAsync(IdleWindow);
            var after = silo.Sample() ?? throw new PipelineFailedException("The silo process is gone.");
            results.SiloIdleCores = (after.Cpu - before.Cpu).TotalSeconds / (after.AtUtc - before.AtUtc).TotalSeconds;
            results.SiloIdleRssBytes = after.RssBytes;
            Log($"Idle (no ticks) for {IdleWindow.TotalSeconds:0} s: silo CPU {results.SiloIdleCores:0.00} cores, RSS {after.RssBytes / 1048576.0:N0} MiB");
        }

        public async Task<LoadPhaseResult> PhaseAsync(string label, int rate, TimeSpan warmup)
        {
            await ResetAsync();
            Log($"Phase {label}: offering {rate:N0} ticks/s, {warmup.TotalSeconds:0} s warm-up, {settings.Window.TotalSeconds:0} s measured");
            simulator.TicksPerSecond = rate;
            await WatchAsync(warmup);
            var start = Take();
            var maxRss = await WatchAsync(settings.Window);
            var end = Take();
            simulator.TicksPerSecond = 0;
            var drain = await DrainAsync();

            var seconds = (end.At - start.At).TotalSeconds;
            var landed = await database.CommittedBetweenAsync(start.At, end.At, cancellationToken);
            var latency = await database.LatencyAsync(UnixMs(start.At), UnixMs(end.At), cancellationToken);
            var result = new LoadPhaseResult(
                label, rate, (end.Sent - start.Sent) / seconds, landed / seconds, latency, end.At - start.At,
                (end.SiloCpu - start.SiloCpu).TotalSeconds / seconds,
                (end.PostgresCpu - start.PostgresCpu).TotalSeconds / seconds,
                (end.BenchCpu - start.BenchCpu).TotalSeconds / seconds,
                maxRss, drain);
            Log($"  sent {result.SentPerSecond:N0}/s, landed {result.LandedPerSecond:N0} rows/s; latency p50 {latency.P50Ms:N0} ms, p99 {latency.P99Ms:N0} ms, " +
                $"max {latency.MaxMs:N0} ms ({latency.Rows:N0} rows; exchange→silo p50 {latency.FeedP50Ms:N0} / p99 {latency.FeedP99Ms:N0} ms, " +
                $"silo→row p50 {latency.SiloP50Ms:N0} / p99 {latency.SiloP99Ms:N0} ms); CPU cores: silo {result.SiloCores:0.00}, PostgreSQL {result.PostgresCores:0.00}, " +
                $"bench (simulator+broker) {result.BenchCores:0.00}; silo {result.SiloCpuMsPer1000:0.0} ms CPU per 1,000 ticks; RSS up to {maxRss / 1048576.0:N0} MiB; " +
                (drain is { } d ? $"drained {d.TotalSeconds:0.0} s after the load stopped" : "NOT drained"));
            return result;
        }

        private async Task ResetAsync()
        {
            storedBeforeReset += await database.CountAsync(cancellationToken);
            sentAtReset = simulator.TicksSent;
            await database.ResetAsync(cancellationToken);
        }

        /// <summary>
        /// Waits until every tick sent has a row (null when that did not happen in time). Gives up early once the row
        /// count has stopped growing for <see cref="StallTimeout"/>: at saturation the dispatcher sheds ticks past its
        /// bound, and those never land however long one waits.
        /// </summary>
        private async Task<TimeSpan?> DrainAsync()
        {
            var draining = Stopwatch.StartNew();
            var progressed = Stopwatch.StartNew();
            long last = -1;
            while (draining.Elapsed < settings.DrainTimeout && progressed.Elapsed < StallTimeout)
            {
                EnsureSiloRunning();
                var expected = simulator.TicksSent - sentAtReset;
                var stored = await database.CountAsync(cancellationToken);
                if (stored != last)
                {
                    last = stored;
                    progressed.Restart();
                }

                if (stored >= expected)
                {
                    if (stored > expected)
                    {
                        Log($"  {stored - expected:N0} more rows than ticks sent: duplicates?");
                    }

                    return draining.Elapsed;
                }

                await Task.Delay(500, cancellationToken);
            }

            var missing = simulator.TicksSent - sentAtReset - await database.CountAsync(cancellationToken);
            Log($"  {missing:N0} ticks sent but not stored after {draining.Elapsed.TotalSeconds:0} s (no new rows for {progressed.Elapsed.TotalSeconds:0} s); " +
                $"simulator sent {simulator.TicksSent:N0} in all; {await probe.DescribeAsync(cancellationToken)}");
            return null;
        }

        /// <summary>Waits <paramref name="duration"/>, checking the silo is alive; returns the highest RSS seen.</summary>
        private async Task<long> WatchAsync(TimeSpan duration)
        {
            var watch = Stopwatch.StartNew();
            long maxRss = 0;
            while (watch.Elapsed < duration)
            {
                EnsureSiloRunning();
                maxRss = Math.Max(maxRss, silo.Sample()?.RssBytes ?? 0);
                // Sampling takes time too: what is left may already be negative.
                var left = duration - watch.Elapsed;
                if (left > TimeSpan.Zero)
                {
                    await Task.Delay(left < SampleInterval ? left : SampleInterval, cancellationToken);
                }
            }

            return maxRss;
        }

        private void EnsureSiloRunning()
        {
            if (!silo.IsRunning)
            {
                throw new PipelineFailedException("The silo process exited during the run.");
            }
        }

        private Snapshot Take()
        {
            var sample = silo.Sample() ?? throw new PipelineFailedException("The silo process is gone.");
            return new Snapshot(DateTime.UtcNow, simulator.TicksSent, sample.Cpu, ProcessSample.TreeCpu(database.ServerProcessId), ProcessSample.Read(Environment.ProcessId)!.Value.Cpu);
        }

        private static long UnixMs(DateTime utc) => new DateTimeOffset(utc, TimeSpan.Zero).ToUnixTimeMilliseconds();

        private readonly record struct Snapshot(DateTime At, long Sent, TimeSpan SiloCpu, TimeSpan PostgresCpu, TimeSpan BenchCpu);
    }
}
