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

    // The silo's runtime counter of bytes allocated on the managed heap since it started (System.Runtime meter).
    private const string AllocatedSeries = "dotnet_gc_heap_total_allocated_bytes_total";

    /// <summary>How long the silo's memory is watched after the last load stopped (issue 24: back within a minute).</summary>
    private static readonly TimeSpan AfterLoadWatch = TimeSpan.FromSeconds(60);

    // The simulator's rate while the silo starts, whatever the load levels: start-up is measured against it.
    private const int StartUpRate = 1_000;

    /// <summary>How long a drain may go without a new row before the bench stops waiting for it.</summary>
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The silo's GC gen0 budget per heap, 16 MiB, as run.sh and deploy/docker/silo.Dockerfile set it.</summary>
    private const string SiloGen0Budget = "0x1000000";

    /// <summary>
    /// The silo's GC heap limit, 600 MiB, as run.sh sets it (and the container image as 60 % of the pod's memory
    /// limit): the managed share of the 1 GiB the bench holds the silo's peak to (bench/results.md, "GC heap limit").
    /// </summary>
    private const string SiloHeapLimit = "0x25800000";

    public string Name => "all";

    public string Usage => EndToEndSettings.Usage;

    /// <summary>
    /// The GC settings run.sh and the container image start the silo with (see there), then <c>--silo-env</c> on top,
    /// last, so that it wins over everything: <c>DOTNET_GCgen0size=0</c> or <c>DOTNET_GCHeapHardLimit=0</c> there
    /// measures the runtime's default.
    /// </summary>
    private static void ApplySiloRuntime(Dictionary<string, string> environment, IReadOnlyDictionary<string, string> overrides)
    {
        environment["DOTNET_GCgen0size"] = SiloGen0Budget;
        environment["DOTNET_GCHeapHardLimit"] = SiloHeapLimit;
        foreach (var (name, value) in overrides)
        {
            environment[name] = value;
        }
    }

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
        // A few tries: ./bench.sh starts the bench right after its build, whose compiler and MSBuild nodes take a few
        // seconds to exit (0.11 cores in the first 3 s measured, 0.01 on the same machine moments later).
        for (var attempt = 1; ; attempt++)
        {
            results.OtherLoadAtStart = await OtherLoad.MeasureAsync(TimeSpan.FromSeconds(3), cancellationToken);
            Log($"Other processes: {results.OtherLoadAtStart.Describe()}");
            if (results.OtherLoadAtStart.IsQuiet(results.Machine.LogicalCpus) || attempt == 4)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        }

        if (!results.OtherLoadAtStart.IsQuiet(results.Machine.LogicalCpus))
        {
            var limit = OtherLoad.QuietShare * results.Machine.LogicalCpus;
            if (!settings.AllowBusy)
            {
                Console.Error.WriteLine($"The machine is not quiet: {results.OtherLoadAtStart.Describe()} (more than {limit:0.00}, {OtherLoad.QuietShare:P0} of its CPUs). " +
                    "Figures measured now would not compare with others; stop those processes, or pass --allow-busy to measure anyway (the results then say so).");
                return 3;
            }

            Log($"NOT QUIET (--allow-busy): more than {limit:0.00} cores taken by others; the results say so.");
        }


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
        if (exitCode == 0 && !settings.SkipFeeds)
        {
            var feeds = new Feeds.RedundantFeedsSettings(settings.Instruments, Rate: 10_000, Warmup: TimeSpan.FromSeconds(15), Window: TimeSpan.FromSeconds(10), Windows: 3, settings.Partitions);
            var environment = new Dictionary<string, string>(StringComparer.Ordinal);
            ApplySiloRuntime(environment, settings.SiloEnvironment);
            results.Feeds = await new Feeds.RedundantFeedsRun(feeds, database.ConnectionString, cluster, servers, environment, cancellationToken).RunAsync();
        }

        results.LoadAverageAtEnd = MachineInfo.LoadAverage();
        results.TotalTime = total.Elapsed;
        Directory.CreateDirectory(settings.OutputDirectory);
        var markdown = Path.Combine(settings.OutputDirectory, "results.md");
        var plot = Path.Combine(settings.OutputDirectory, "results.png");
        ResultsPlot.Write(results, plot);
        var kept = KeptSection.Read(markdown);
        await File.WriteAllTextAsync(markdown, ResultsReport.Markdown(results, BenchCommandLine()) + kept, cancellationToken);
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
        // The silo provisions the dead-letter topic next to the tick topic; the mock cannot create topics on request.
        cluster?.CreateTopic(new Laevitas.Streaming.Kafka.KafkaOptions { Topic = topic }.DeadLetterTopicName, settings.Partitions);
        cluster?.CreateTopic(new Laevitas.Streaming.Kafka.KafkaOptions { Topic = topic }.TradesTopicName, settings.Partitions);
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
        };
        if (cluster is not null)
        {
            // The silo sees a broker address, not its own embedded broker, so it would assume a real broker's
            // retention; this one deletes unread records as the silo's own embedded broker does.
            environment["Dispatch__PaceBacklog"] = Laevitas.LocalInfrastructure.Hosting.EmbeddedKafkaHostingExtensions.EmbeddedPaceBacklog.ToString(CultureInfo.InvariantCulture);
        }

        ApplySiloRuntime(environment, settings.SiloEnvironment);
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

            results.RampEnd = await RampAsync(run, settings, results);
            if (results.RampEnd is { } rampEnd)
            {
                Log($"Levels above --loads, {settings.RampStep:N0} ticks/s apart: {rampEnd}");
            }

            await run.MeasureIdleAsync(results);
            if (!settings.SkipCatchUp)
            {
                var (outage, reason) = CatchUpOutage(settings, cluster is not null);
                results.CatchUp = await run.CatchUpAsync(settings.CatchUpRate, outage, reason);
            }

            // Asked for multiples of what this run sustained (the highest fixed load landed whole), or of the best
            // fixed level's landed rate when it kept up with none; the simulator sends what it can of that.
            var sustained = results.Sustained?.SentPerSecond ?? results.FixedLoads.Max(p => p.LandedPerSecond);
            foreach (var multiple in settings.Overloads)
            {
                var rate = (int)Math.Min(int.MaxValue, sustained * multiple);
                var phase = await run.PhaseAsync(string.Create(CultureInfo.InvariantCulture, $"{multiple}× sustained ({rate:N0}/s)"), rate, settings.OverloadWarmup);
                results.Overloads.Add(new OverloadResult(multiple, sustained, phase));
                Log(string.Create(CultureInfo.InvariantCulture,
                    $"  {phase.LandedPerSecond / sustained:P0} of the sustained {sustained:N0} rows/s landed; {phase.Shed?.ToString("N0", CultureInfo.InvariantCulture) ?? "?"} shed by the dispatcher, " +
                    $"{phase.BrokerDeleted?.ToString("N0", CultureInfo.InvariantCulture) ?? "?"} deleted by the broker unread"));
            }

            results.AfterLoad = await run.MemoryAfterLoadAsync(AfterLoadWatch);
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

    /// <summary>
    /// Levels <see cref="EndToEndSettings.RampStep"/> above the last of <c>--loads</c> while each is kept up, so the
    /// sustained figure is what the pipeline takes, not the top of the list. Returns why it stopped.
    /// </summary>
    private static async Task<string?> RampAsync(PipelineRun run, EndToEndSettings settings, EndToEndResults results)
    {
        if (settings.RampStep == 0 || results.FixedLoads.Count == 0)
        {
            return null;
        }

        var last = results.FixedLoads[^1];
        if (!last.KeptUp)
        {
            return string.Create(CultureInfo.InvariantCulture, $"none, the last listed level was not kept up with ({last.NotKeptUpBecause})");
        }

        while (last.KeptUp)
        {
            var load = (int)last.OfferedPerSecond + settings.RampStep;
            if (load > settings.RampMax)
            {
                return string.Create(CultureInfo.InvariantCulture, $"kept up with {last.OfferedPerSecond:N0} ticks/s; the next step, {load:N0}, is past --ramp-max {settings.RampMax:N0}");
            }

            last = await run.PhaseAsync(string.Create(CultureInfo.InvariantCulture, $"{load:N0}/s"), load, settings.Warmup);
            results.FixedLoads.Add(last);
        }

        return string.Create(CultureInfo.InvariantCulture, $"not kept up with at {last.OfferedPerSecond:N0} ticks/s: {last.NotKeptUpBecause}");
    }

    /// <summary>
    /// The database outage of the catch-up phase: 60 s (or --catchup-outage). The embedded broker keeps only about
    /// 5 MiB per partition (librdkafka's mock cluster) and deletes older data unread, so against it the default is
    /// 20 s: a backlog of 10,000 ticks/s for 20 s stays within what 8 partitions hold (the phase reports what the
    /// broker deleted, which says whether it did).
    /// </summary>
    private static (TimeSpan Outage, string Reason) CatchUpOutage(EndToEndSettings settings, bool embeddedBroker) =>
        settings.CatchUpOutage is { } given ? (given, "--catchup-outage")
        : embeddedBroker ? (TimeSpan.FromSeconds(20), "the embedded broker keeps about 5 MiB per partition and deletes older data unread; 60 s with a real broker (--kafka)")
        : (TimeSpan.FromSeconds(60), "default");

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
            Log($"Phase {label}: offering {rate:N0} ticks/s, {warmup.TotalSeconds:0} s warm-up, {settings.Windows} × {settings.Window.TotalSeconds:0} s measured");
            var (shedBefore, deletedBefore) = await LossCountersAsync();
            simulator.TicksPerSecond = rate;
            await WatchAsync(warmup);
            var allocatedBefore = await probe.MetricSumAsync(AllocatedSeries, cancellationToken);
            var marks = new List<Snapshot> { Take() };
            long maxRss = 0;
            for (var i = 0; i < settings.Windows; i++)
            {
                maxRss = Math.Max(maxRss, await WatchAsync(settings.Window));
                marks.Add(Take());
            }

            var allocatedAfter = await probe.MetricSumAsync(AllocatedSeries, cancellationToken);
            simulator.TicksPerSecond = 0;
            var drain = await DrainAsync();
            var (shedAfter, deletedAfter) = await LossCountersAsync();

            // Rows are counted by commit time once the level has drained, so each window's count is complete.
            var windows = new List<WindowFigures>();
            for (var i = 1; i < marks.Count; i++)
            {
                var (from, to) = (marks[i - 1], marks[i]);
                var span = (to.At - from.At).TotalSeconds;
                var rows = await database.CommittedBetweenAsync(from.At, to.At, cancellationToken);
                var cpuMs = (to.SiloCpu - from.SiloCpu).TotalMilliseconds;
                windows.Add(new WindowFigures((to.Sent - from.Sent) / span, rows / span, rows > 0 ? cpuMs / rows * 1000 : double.NaN));
            }

            var (start, end) = (marks[0], marks[^1]);
            var seconds = (end.At - start.At).TotalSeconds;
            var latency = await database.LatencyAsync(UnixMs(start.At), UnixMs(end.At), cancellationToken);
            var result = new LoadPhaseResult(
                label, rate, windows, latency, end.At - start.At,
                (end.SiloCpu - start.SiloCpu).TotalSeconds / seconds,
                (end.PostgresCpu - start.PostgresCpu).TotalSeconds / seconds,
                (end.BenchCpu - start.BenchCpu).TotalSeconds / seconds,
                maxRss, drain, shedAfter - shedBefore, deletedAfter - deletedBefore,
                allocatedAfter - allocatedBefore is { } allocated && end.Sent > start.Sent ? (double)allocated / (end.Sent - start.Sent) : null);
            Log($"  sent {result.SentPerSecond:N0}/s, landed {result.LandedPerSecond:N0} rows/s (median of {windows.Count}; {result.LandedMin:N0}-{result.LandedMax:N0}); latency p50 {latency.P50Ms:N0} ms, p99 {latency.P99Ms:N0} ms, " +
                $"max {latency.MaxMs:N0} ms ({latency.Rows:N0} rows; exchange→silo p50 {latency.FeedP50Ms:N0} / p99 {latency.FeedP99Ms:N0} ms, " +
                $"silo→row p50 {latency.SiloP50Ms:N0} / p99 {latency.SiloP99Ms:N0} ms); CPU cores: silo {result.SiloCores:0.00}, PostgreSQL {result.PostgresCores:0.00}, " +
                $"bench (simulator+broker) {result.BenchCores:0.00}; silo {result.SiloCpuMsPer1000:0.0} ms CPU per 1,000 ticks, {(result.AllocatedBytesPerTick is { } allocatedPerTick ? $"{allocatedPerTick:N0}" : "–")} bytes allocated per tick; RSS up to {maxRss / 1048576.0:N0} MiB; " +
                (drain is { } d ? $"drained {d.TotalSeconds:0.0} s after the load stopped" : "NOT drained"));
            return result;
        }

        /// <summary>
        /// The market at <paramref name="rate"/> while PostgreSQL is stopped for <paramref name="outage"/>, then
        /// started: the time until the rows stored reach the ticks sent a second earlier (a live pipeline's ticks in
        /// flight), and the rows landed per second meanwhile.
        /// </summary>
        public async Task<CatchUpResult> CatchUpAsync(int rate, TimeSpan outage, string reason)
        {
            await ResetAsync();
            Log($"Catch-up: {rate:N0} ticks/s, PostgreSQL stopped for {outage.TotalSeconds:0} s ({reason}), then started");
            var expiredBefore = await probe.CountAsync("kafkaExpired", cancellationToken);
            simulator.TicksPerSecond = rate;
            await WatchAsync(settings.Warmup);
            await database.StopServerAsync(cancellationToken);
            await WatchAsync(outage);
            await database.StartServerAsync(cancellationToken);
            var restarted = DateTime.UtcNow;
            var backlog = simulator.TicksSent - sentAtReset - await database.CountAsync(cancellationToken);
            Log($"  PostgreSQL back; {backlog:N0} ticks sent and not stored");

            // Sent counts of the last seconds: caught up once the rows reach what was sent a second before.
            var sentHistory = new Queue<(DateTime At, long Sent)>();
            var storedHistory = new List<(DateTime At, long Stored)>();
            DateTime? caughtAt = null;
            var limit = Stopwatch.StartNew();
            while (caughtAt is null && limit.Elapsed < settings.DrainTimeout)
            {
                EnsureSiloRunning();
                var now = DateTime.UtcNow;
                sentHistory.Enqueue((now, simulator.TicksSent - sentAtReset));
                (DateTime At, long Sent)? secondAgo = null;
                while (now - sentHistory.Peek().At >= TimeSpan.FromSeconds(1))
                {
                    secondAgo = sentHistory.Dequeue();
                }

                var stored = await database.CountAsync(cancellationToken);
                storedHistory.Add((now, stored));
                if (secondAgo is { } mark && stored >= mark.Sent)
                {
                    caughtAt = now;
                    break;
                }

                await Task.Delay(250, cancellationToken);
            }

            var caughtUp = caughtAt - restarted;
            var landed = caughtAt is { } end ? await database.CommittedBetweenAsync(restarted, end, cancellationToken) / caughtUp!.Value.TotalSeconds : double.NaN;
            var firstRowAfter = await database.FirstCommitAtOrAfterAsync(restarted, cancellationToken) - restarted;
            Log("  rows stored per second while catching up: " + string.Join(", ", PerSecond(storedHistory).Select(r => r.ToString("N0", CultureInfo.InvariantCulture))));
            simulator.TicksPerSecond = 0;
            var drain = await DrainAsync();
            var expiredAfter = await probe.CountAsync("kafkaExpired", cancellationToken);
            var expired = expiredAfter - expiredBefore;
            var result = new CatchUpResult(rate, outage, reason, backlog, caughtUp, landed, firstRowAfter, expired, drain);
            Log(caughtUp is { } t
                ? $"  caught up {t.TotalSeconds:0.0} s after PostgreSQL came back (first row after {firstRowAfter?.TotalSeconds:0.0} s): {landed:N0} rows/s landed, the backlog shrinking at {result.BacklogShrinkPerSecond:N0}/s; {expired?.ToString("N0", CultureInfo.InvariantCulture) ?? "?"} deleted by the broker"
                : $"  NOT caught up within {settings.DrainTimeout.TotalSeconds:0} s; {expired?.ToString("N0", CultureInfo.InvariantCulture) ?? "?"} deleted by the broker");
            return result;
        }

        /// <summary>The increase of <paramref name="counts"/> over each whole second from the first sample.</summary>
        private static IEnumerable<long> PerSecond(List<(DateTime At, long Count)> counts)
        {
            if (counts.Count == 0)
            {
                yield break;
            }

            var (start, previous) = counts[0];
            var second = 1;
            foreach (var (at, count) in counts)
            {
                if (at - start >= TimeSpan.FromSeconds(second))
                {
                    yield return count - previous;
                    previous = count;
                    second++;
                }
            }
        }

        /// <summary>
        /// Watches the silo's resident set for <paramref name="watch"/> after the last load stopped (its drain, if
        /// any, is over): when it first falls under <see cref="MemoryAfterLoad.GoalBytes"/>, where it ends, and what
        /// the GC holds then (the rest is native: librdkafka's queues, the runtime, the allocator's arenas).
        /// </summary>
        public async Task<MemoryAfterLoad> MemoryAfterLoadAsync(TimeSpan watch)
        {
            var atStop = silo.Sample()?.RssBytes ?? 0;
            var watching = Stopwatch.StartNew();
            TimeSpan? under = null;
            long rss = atStop;
            while (watching.Elapsed < watch)
            {
                EnsureSiloRunning();
                rss = silo.Sample()?.RssBytes ?? rss;
                if (under is null && rss < MemoryAfterLoad.GoalBytes)
                {
                    under = watching.Elapsed;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }

            var committed = await probe.MetricSumAsync("dotnet_gc_last_collection_memory_committed_size_bytes", cancellationToken);
            var heap = await probe.MetricSumAsync("dotnet_gc_last_collection_heap_size_bytes", cancellationToken);
            Log($"After the load: RSS {atStop / 1048576.0:N0} MiB when it stopped, {rss / 1048576.0:N0} MiB {watch.TotalSeconds:0} s later " +
                $"({(under is { } u ? $"under {MemoryAfterLoad.GoalBytes >> 20} MiB after {u.TotalSeconds:0} s" : $"never under {MemoryAfterLoad.GoalBytes >> 20} MiB")}); " +
                $"GC committed {(committed ?? 0) / 1048576.0:N0} MiB, heap {(heap ?? 0) / 1048576.0:N0} MiB");
            return new MemoryAfterLoad(atStop, rss, watch, under, committed, heap);
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

        /// <summary>
        /// Ticks shed by the dispatcher and deleted unread by the broker so far, from the cluster's totals, read once a
        /// silo report later than now (they are reported every <c>Stats:ReportInterval</c>, 2 s).
        /// </summary>
        private async Task<(long? Shed, long? Deleted)> LossCountersAsync()
        {
            await Task.Delay(TimeSpan.FromSeconds(2.5), cancellationToken);
            return (await probe.CountAsync("dispatchDropped", cancellationToken), await probe.CountAsync("kafkaExpired", cancellationToken));
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
