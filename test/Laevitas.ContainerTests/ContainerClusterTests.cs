using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Laevitas.ContainerTests.Infrastructure;
using Laevitas.DeribitSimulator;
using Laevitas.DeribitSimulator.Ledger;
using Laevitas.Grains.Abstractions.History;
using Laevitas.Grains.History;
using Laevitas.LocalInfrastructure.Postgres;
using Laevitas.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Laevitas.ContainerTests;

/// <summary>
/// The images as Kubernetes would run them, without a Kubernetes API server: three silo containers of the silo image
/// (settings from deploy/k8s, read-only root, non-root, AdoNet clustering) against a private PostgreSQL, the
/// kafka-broker process and the Deribit simulator, all on the host network; the client image against them; then a
/// rolling update as the Deployment does it (maxSurge 1, maxUnavailable 0) under load, reconciled tick by tick against
/// the simulator's ledger of what it sent.
/// Needs podman (root, runc) and the images from deploy/docker/build-local.sh: ./test.sh installs and builds both
/// (scripts/prerequisites.sh --containers). Without them it fails, saying so: it does not skip.
/// </summary>
public sealed class ContainerClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Namespace = "laevitas";
    private const string PodIp = "127.0.0.1";

    private static readonly string SiloImage = Environment.GetEnvironmentVariable("LAEVITAS_SILO_IMAGE") ?? "localhost/laevitas-silo:local";
    private static readonly string ClientImage = Environment.GetEnvironmentVariable("LAEVITAS_CLIENT_IMAGE") ?? "localhost/laevitas-client:local";

    private readonly DeployManifests manifests = DeployManifests.Load();
    private readonly List<SiloContainer> containers = [];
    private readonly PrivatePostgres postgres = new();
    private readonly string runDirectory = Path.Combine(Path.GetTempPath(), "laevitas-containers", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Environment.ProcessId);
    private KafkaBrokerProcess? broker;
    private DeribitSimulatorServer? simulator;
    private NpgsqlDataSource? database;
    private string connectionString = "";
    private int nextPod;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(runDirectory);
        await RequirePodmanAndImagesAsync();
        await Podman.RemoveOrphansAsync();

        await postgres.StartAsync();
        await using (var connection = new NpgsqlConnection(postgres.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE laevitas", connection);
            await create.ExecuteNonQueryAsync();
        }

        // Two pools per silo (Orleans' ADO.NET providers, the writer's data source), four silos during the roll: the
        // private server's 100 connections would not cover the default 100 per pool.
        connectionString = new NpgsqlConnectionStringBuilder(postgres.ConnectionStringFor("laevitas")) { MaxPoolSize = 10 }.ConnectionString;
        database = NpgsqlDataSource.Create(postgres.ConnectionStringFor("laevitas"));

        var data = manifests.ConfigMap.Data;
        broker = await KafkaBrokerProcess.StartAsync(runDirectory, data["Kafka__Topic"], int.Parse(data["Kafka__Partitions"], CultureInfo.InvariantCulture));
        simulator = await DeribitSimulatorServer.StartAsync(new SimulatorOptions { InstrumentCount = 200, TicksPerSecond = 400, RecordEmitted = true, Seed = 22 });
    }

    public async Task DisposeAsync()
    {
        foreach (var container in containers)
        {
            try
            {
                await container.SaveLogAsync(runDirectory);
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException)
            {
                output.WriteLine($"{container.Name}: no log ({ex.Message})");
            }

            await container.RemoveAsync();
        }

        if (simulator is not null)
        {
            await simulator.DisposeAsync();
        }

        if (broker is not null)
        {
            await broker.DisposeAsync();
        }

        if (database is not null)
        {
            await database.DisposeAsync();
        }

        await postgres.DisposeAsync();
        output.WriteLine($"container logs: {runDirectory}");
    }

    [Fact]
    public async Task ThreeSiloContainersServeTheClientAndRollOneAtATimeUnderLoadStoringEveryTickOnce()
    {
        var startupBudget = TimeSpan.FromSeconds(manifests.Silo.StartupProbe.PeriodSeconds!.Value * manifests.Silo.StartupProbe.FailureThreshold!.Value);
        var readinessPath = manifests.Silo.ReadinessProbe.HttpGet.Path;

        // ---- three silos, started together as the Deployment's first ReplicaSet would be.
        var initial = Enumerable.Range(0, manifests.Deployment.Spec.Replicas!.Value).Select(_ => NewPod()).ToList();
        await Task.WhenAll(initial.Select(c => c.StartAsync(manifests, SiloImage, EnvironmentFor(c))));
        await Task.WhenAll(initial.Select(c => c.WaitReadyAsync(readinessPath, startupBudget, IsReady)));
        foreach (var container in initial)
        {
            output.WriteLine($"{container.Name}: ready {container.TimeToReady!.Value.TotalSeconds:0.0} s after `podman run` ({container.LastReadiness})");
            await AssertRunsUnprivilegedAsync(container);
        }

        await Eventually.TrueAsync(async () => await ScalarAsync("SELECT count(*) FROM deribit_prices") > 0, startupBudget, "the first rows in deribit_prices");

        // ---- the client image against the cluster.
        var help = await RunClientAsync("--help");
        Assert.True(help.ExitCode == 0 && help.Output.Contains("Usage:", StringComparison.Ordinal), $"laevitas --help: {help.ExitCode} {help.Output}{help.Error}");
        await AssertClientSeesActiveSilosAsync(initial.Count);
        var instrument = await FirstStoredInstrumentAsync();
        var show = await RunClientAsync("show", instrument);
        Assert.True(show.ExitCode == 0 && show.Output.Contains(instrument, StringComparison.Ordinal), $"laevitas show {instrument}: {show.ExitCode} {show.Output}{show.Error}");

        // ---- the rolling update: a new image tag, one surge pod at a time, each old pod stopped only once its
        // replacement is ready.
        var rolledImage = SiloImage[..SiloImage.LastIndexOf(':')] + ":rolled";
        await Podman.CheckedAsync(TimeSpan.FromSeconds(30), "tag", SiloImage, rolledImage);
        var grace = TimeSpan.FromSeconds(manifests.Template.Spec.TerminationGracePeriodSeconds!.Value);
        var preStop = TimeSpan.FromSeconds(manifests.Silo.Lifecycle.PreStop.Sleep.Seconds);
        var windowStart = LedgerCounts();
        var rollClock = Stopwatch.StartNew();
        var stopped = new List<SiloContainer>();
        foreach (var old in initial)
        {
            var replacement = NewPod();
            await replacement.StartAsync(manifests, rolledImage, EnvironmentFor(replacement));
            await replacement.WaitReadyAsync(readinessPath, startupBudget, IsReady);
            var (shutDown, exitCode, killed) = await old.StopLikeKubeletAsync(preStop, grace);
            output.WriteLine($"{replacement.Name} ready {replacement.TimeToReady!.Value.TotalSeconds:0.0} s after start; {old.Name} stopped {shutDown.TotalSeconds:0.0} s after SIGTERM, exit code {exitCode}");
            Assert.False(killed, $"{old.Name} did not stop within the grace period ({grace.TotalSeconds:0} s) and was killed; log tail:\n{await old.LogTailAsync()}");
            Assert.Equal(0, exitCode);
            stopped.Add(old);
            foreach (var other in containers.Except(stopped))
            {
                Assert.Equal("running", (await other.StateAsync()).Status);
            }
        }

        output.WriteLine($"roll of {initial.Count} silos took {rollClock.Elapsed.TotalSeconds:0} s");
        await AssertClientSeesActiveSilosAsync(initial.Count);

        // ---- every tick the exchange sent during the roll stored exactly once.
        var windowEnd = LedgerCounts();
        var sent = SentBetween(windowStart, windowEnd);
        Assert.True(sent.Count > 1_000, $"only {sent.Count} ticks sent during the roll: the load did not run");
        long minTs = sent.Min(t => t.Timestamp), maxTs = sent.Max(t => t.Timestamp);
        HashSet<(string Instrument, long Timestamp)> missing = [];
        var phantom = 0L;
        List<(string Instrument, long Timestamp)> differing = [];
        var compared = 0;
        await Eventually.TrueAsync(
            async () =>
            {
                (var stored, differing, compared) = await StoredBetweenAsync(minTs, maxTs);
                missing = sent.Where(t => !stored.Contains(t)).ToHashSet();
                var everSent = EverSent();
                phantom = stored.Count(k => !everSent.Contains(k));
                return missing.Count == 0;
            },
            TimeSpan.FromSeconds(90), "every tick the market generated during the roll to be stored (two feeds, make-before-break: no allowance)",
            () => $"{missing.Count} missing, first {string.Join(", ", missing.Take(5))}");

        output.WriteLine($"generated during the roll {sent.Count}, missing {missing.Count}, phantom {phantom}, values differing {differing.Count} of {compared} rows compared");
        Assert.Equal(0, phantom);
        // Values, not only keys: every stored row rebuilds into the very ticker the market generated.
        Assert.True(compared >= sent.Count, $"only {compared} rows compared with the market's ticks, {sent.Count} generated");
        Assert.True(differing.Count == 0, $"{differing.Count} rows differ from the generated ticks, first {string.Join(", ", differing.Take(5))}");
    }

    /// <summary>Ready: the readiness probe answers 200 — on every silo, whether it runs a feed or not.</summary>
    private static bool IsReady(HttpStatusCode status, string body) => status == HttpStatusCode.OK;

    private SiloContainer NewPod()
    {
        var index = ++nextPod;
        // Host network: each pod takes ports of its own, the same offset from the manifest's ports.
        var container = new SiloContainer($"laevitas-silo-{Environment.ProcessId}-{index}", 21_110 + index, 31_000 + index, 18_080 + index);
        containers.Add(container);
        return container;
    }

    /// <summary>
    /// The pod's environment: the ConfigMap, the Deployment's downward-API variables and the Secret's key, with the
    /// overrides this host needs — each one said here, nothing else differs from the manifests.
    /// </summary>
    private Dictionary<string, string> EnvironmentFor(SiloContainer container)
    {
        var environment = new Dictionary<string, string>(manifests.ConfigMap.Data, StringComparer.Ordinal);
        foreach (var (key, value) in manifests.DownwardApi(container.Name, Namespace, PodIp))
        {
            environment[key] = value;
        }

        foreach (var (key, value) in Overrides(container))
        {
            Assert.True(environment.ContainsKey(key) || key is "ConnectionStrings__Postgres" or "ASPNETCORE_HTTP_PORTS", $"override {key} is not a key of the manifests");
            environment[key] = value;
        }

        // No Secret volume here, so no TLS certificate files: the containers run without Orleans TLS (the Deployment's
        // Orleans__Tls__* paths would point at nothing). Orleans TLS is shown by Laevitas.Tests' OrleansTlsClusterTests.
        foreach (var key in environment.Keys.Where(k => k.StartsWith("Orleans__Tls__", StringComparison.Ordinal)).ToList())
        {
            environment.Remove(key);
        }

        return environment;
    }

    private Dictionary<string, string> Overrides(SiloContainer container) => new(StringComparer.Ordinal)
    {
        // No Kubernetes API server here: membership in the Postgres table, the image's own default.
        ["Orleans__ClusteringMode"] = "AdoNet",
        // The Secret's key: the private PostgreSQL.
        ["ConnectionStrings__Postgres"] = connectionString,
        // The kafka-broker process (one broker: replication 1) and the simulator instead of the real services.
        ["Kafka__BootstrapServers"] = broker!.BootstrapServers,
        ["Kafka__ReplicationFactor"] = "1",
        ["Deribit__Url"] = simulator!.Url,
        // Host network: ports of its own per pod (the HTTP port is the image's ENV, 8080 in a pod).
        ["ASPNETCORE_HTTP_PORTS"] = container.HttpPort.ToString(CultureInfo.InvariantCulture),
        ["Orleans__SiloPort"] = container.SiloPort.ToString(CultureInfo.InvariantCulture),
        ["Orleans__GatewayPort"] = container.GatewayPort.ToString(CultureInfo.InvariantCulture),
    };

    private async Task<(int ExitCode, string Output, string Error)> RunClientAsync(params string[] arguments)
    {
        var podman = new List<string> { "run", "--rm" };
        podman.AddRange(Podman.MachineArguments);
        podman.AddRange(["--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"]);
        // The client reads the silo's settings (see the client Dockerfile): the ConfigMap and the Secret, with the
        // clustering that finds the gateways in Postgres.
        var environment = new Dictionary<string, string>(manifests.ConfigMap.Data, StringComparer.Ordinal)
        {
            ["Orleans__ClusteringMode"] = "AdoNet",
            ["ConnectionStrings__Postgres"] = connectionString,
            ["Orleans__ClusterId"] = manifests.Template.Metadata.Labels["orleans/clusterId"],
            ["Orleans__ServiceId"] = manifests.Template.Metadata.Labels["orleans/serviceId"],
        };
        foreach (var (key, value) in environment)
        {
            podman.AddRange(["--env", $"{key}={value}"]);
        }

        podman.Add(ClientImage);
        podman.AddRange(arguments);
        podman.Add("--timeout");
        podman.Add("60");
        if (arguments is ["--help"])
        {
            podman.RemoveRange(podman.Count - 2, 2);
        }

        return await Podman.RunAsync(podman, TimeSpan.FromSeconds(150));
    }

    private async Task AssertClientSeesActiveSilosAsync(int expected)
    {
        var active = 0;
        await Eventually.TrueAsync(
            async () =>
            {
                var stats = await RunClientAsync("stats", "--json");
                Assert.True(stats.ExitCode == 0, $"laevitas stats: exit {stats.ExitCode} {stats.Error}");
                using var json = JsonDocument.Parse(stats.Output);
                active = json.RootElement.GetProperty("silos").EnumerateArray().Count(s => s.GetProperty("status").GetString() == "Active");
                return active == expected;
            },
            TimeSpan.FromSeconds(240), $"laevitas stats to show {expected} active silos", () => $"{active} active");
    }

    private static async Task AssertRunsUnprivilegedAsync(SiloContainer container)
    {
        var inspected = (await Podman.CheckedAsync(TimeSpan.FromSeconds(30), "inspect", "--format", "{{.State.Pid}} {{.HostConfig.ReadonlyRootfs}}", container.Name)).Trim().Split(' ');
        Assert.Equal("true", inspected[1]);
        var uid = File.ReadLines($"/proc/{inspected[0]}/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        Assert.DoesNotContain(uid.Split('\t', StringSplitOptions.RemoveEmptyEntries).Skip(1), id => id == "0");
    }

    private async Task<string> FirstStoredInstrumentAsync()
    {
        await using var command = database!.CreateCommand("SELECT instrument_name FROM deribit_prices ORDER BY \"timestamp\" DESC LIMIT 1");
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var command = database!.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// How many ticks the market generated so far per instrument: the simulator's market-side ledger, which counts a
    /// tick whether or not any feed was subscribed at that moment, so a subscription hole during the roll is missing.
    /// </summary>
    private Dictionary<string, int> LedgerCounts() =>
        simulator!.MarketLedger.Snapshot().ToDictionary(p => p.Key, p => p.Value.Count, StringComparer.Ordinal);

    /// <summary>Ticks (instrument, exchange timestamp) the market generated between two ledger snapshots.</summary>
    private HashSet<(string Instrument, long Timestamp)> SentBetween(Dictionary<string, int> from, Dictionary<string, int> to)
    {
        var sent = new HashSet<(string, long)>();
        foreach (var (instrument, timestamps) in simulator!.MarketLedger.Snapshot())
        {
            var first = from.GetValueOrDefault(instrument);
            var last = Math.Min(to.GetValueOrDefault(instrument), timestamps.Count);
            for (var i = first; i < last; i++)
            {
                sent.Add((instrument, timestamps[i]));
            }
        }

        return sent;
    }

    /// <summary>Every tick the market ever generated.</summary>
    private HashSet<(string Instrument, long Timestamp)> EverSent() => SentBetween([], LedgerCounts());

    /// <summary>
    /// The rows stored between two exchange timestamps, and those of them that do not rebuild into the ticker the market
    /// generated (compared by the simulator's fingerprint of the generated JSON, field by field).
    /// </summary>
    private async Task<(HashSet<(string Instrument, long Timestamp)> Stored, List<(string Instrument, long Timestamp)> Differing, int Compared)> StoredBetweenAsync(long from, long to)
    {
        var stored = new HashSet<(string, long)>();
        var differing = new List<(string, long)>();
        var compared = 0;
        await using var command = database!.CreateCommand(
            $"SELECT {PriceHistoryReader.Columns} FROM deribit_prices WHERE \"timestamp\" BETWEEN @from AND @to");
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var row = PriceHistoryReader.ReadRow(reader);
            var key = (row.InstrumentName, row.Timestamp);
            stored.Add(key);
            if (simulator!.MarketLedger.TryGetFingerprint(row.InstrumentName, row.Timestamp, out var generated))
            {
                compared++;
                if (!Rebuilds(row, generated))
                {
                    differing.Add(key);
                }
            }
        }

        return (stored, differing, compared);
    }

    private static bool Rebuilds(PriceRow row, ulong generated)
    {
        try
        {
            return TickFingerprint.Of(JsonSerializer.SerializeToUtf8Bytes(TickerRebuilder.Rebuild(row))) == generated;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    private static async Task RequirePodmanAndImagesAsync()
    {
        const string how = "./test.sh installs podman (scripts/prerequisites.sh --containers) and builds the images (deploy/docker/build-local.sh)";
        try
        {
            await Podman.CheckedAsync(TimeSpan.FromSeconds(60), "info", "--format", "{{.Host.OCIRuntime.Name}}");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new InvalidOperationException($"podman is not usable here ({ex.Message}); {how}.", ex);
        }

        foreach (var image in new[] { SiloImage, ClientImage })
        {
            var (code, _, _) = await Podman.RunAsync(["image", "exists", image], TimeSpan.FromSeconds(30));
            if (code != 0)
            {
                throw new InvalidOperationException($"image {image} not found; {how}.");
            }
        }
    }

    private static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
