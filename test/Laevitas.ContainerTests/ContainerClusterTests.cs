using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Laevitas.ContainerTests.Infrastructure;
using Laevitas.DeribitSimulator;
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

    private readonly DeployManifests _manifests = DeployManifests.Load();
    private readonly List<SiloContainer> _containers = [];
    private readonly PrivatePostgres _postgres = new();
    private readonly string _runDirectory = Path.Combine(Path.GetTempPath(), "laevitas-containers", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Environment.ProcessId);
    private KafkaBrokerProcess? _broker;
    private DeribitSimulatorServer? _simulator;
    private NpgsqlDataSource? _database;
    private string _connectionString = "";
    private int _nextPod;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_runDirectory);
        await RequirePodmanAndImagesAsync();
        await Podman.RemoveOrphansAsync();

        await _postgres.StartAsync();
        await using (var connection = new NpgsqlConnection(_postgres.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE laevitas", connection);
            await create.ExecuteNonQueryAsync();
        }

        // Two pools per silo (Orleans' ADO.NET providers, the writer's data source), four silos during the roll: the
        // private server's 100 connections would not cover the default 100 per pool.
        _connectionString = new NpgsqlConnectionStringBuilder(_postgres.ConnectionStringFor("laevitas")) { MaxPoolSize = 10 }.ConnectionString;
        _database = NpgsqlDataSource.Create(_postgres.ConnectionStringFor("laevitas"));

        var data = _manifests.ConfigMap.Data;
        _broker = await KafkaBrokerProcess.StartAsync(_runDirectory, data["Kafka__Topic"], int.Parse(data["Kafka__Partitions"], CultureInfo.InvariantCulture));
        _simulator = await DeribitSimulatorServer.StartAsync(new SimulatorOptions { InstrumentCount = 200, TicksPerSecond = 400, RecordEmitted = true, Seed = 22 });
    }

    public async Task DisposeAsync()
    {
        foreach (var container in _containers)
        {
            try
            {
                await container.SaveLogAsync(_runDirectory);
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException)
            {
                output.WriteLine($"{container.Name}: no log ({ex.Message})");
            }

            await container.RemoveAsync();
        }

        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }

        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        await _postgres.DisposeAsync();
        output.WriteLine($"container logs: {_runDirectory}");
    }

    [Fact]
    public async Task Three_silo_containers_serve_the_client_and_roll_one_at_a_time_under_load_storing_every_tick_once()
    {
        var startupBudget = TimeSpan.FromSeconds(_manifests.Silo.StartupProbe.PeriodSeconds!.Value * _manifests.Silo.StartupProbe.FailureThreshold!.Value);
        var readinessPath = _manifests.Silo.ReadinessProbe.HttpGet.Path;

        // ---- three silos, started together as the Deployment's first ReplicaSet would be.
        var initial = Enumerable.Range(0, _manifests.Deployment.Spec.Replicas!.Value).Select(_ => NewPod()).ToList();
        await Task.WhenAll(initial.Select(c => c.StartAsync(_manifests, SiloImage, EnvironmentFor(c))));
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
        var grace = TimeSpan.FromSeconds(_manifests.Template.Spec.TerminationGracePeriodSeconds!.Value);
        var preStop = TimeSpan.FromSeconds(_manifests.Silo.Lifecycle.PreStop.Sleep.Seconds);
        var windowStart = LedgerCounts();
        var allowances = new List<(long From, long To)>();
        var rollClock = Stopwatch.StartNew();
        var stopped = new List<SiloContainer>();
        foreach (var old in initial)
        {
            var replacement = NewPod();
            await replacement.StartAsync(_manifests, rolledImage, EnvironmentFor(replacement));
            await replacement.WaitReadyAsync(readinessPath, startupBudget, IsReady);
            var sigtermAt = NowMs() + (long)preStop.TotalMilliseconds;
            var (shutDown, exitCode, killed) = await old.StopLikeKubeletAsync(preStop, grace);
            allowances.Add((sigtermAt - 1_000, NowMs() + 1_000));
            output.WriteLine($"{replacement.Name} ready {replacement.TimeToReady!.Value.TotalSeconds:0.0} s after start; {old.Name} stopped {shutDown.TotalSeconds:0.0} s after SIGTERM, exit code {exitCode}");
            Assert.False(killed, $"{old.Name} did not stop within the grace period ({grace.TotalSeconds:0} s) and was killed; log tail:\n{await old.LogTailAsync()}");
            Assert.Equal(0, exitCode);
            stopped.Add(old);
            foreach (var other in _containers.Except(stopped))
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
        var duplicates = 0L;
        await Eventually.TrueAsync(
            async () =>
            {
                var stored = await StoredBetweenAsync(minTs, maxTs);
                duplicates = stored.Values.Count(n => n > 1);
                missing = sent.Where(t => !stored.ContainsKey(t)).ToHashSet();
                var everSent = EverSent();
                phantom = stored.Keys.Count(k => !everSent.Contains(k));
                return missing.All(t => allowances.Any(a => t.Timestamp >= a.From && t.Timestamp <= a.To));
            },
            TimeSpan.FromSeconds(90), "every tick sent during the roll to be stored (or inside a stop's allowance)",
            () => $"{missing.Count} missing, first {string.Join(", ", missing.Take(5))}");

        output.WriteLine($"sent during the roll {sent.Count}, missing {missing.Count} (all inside the {allowances.Count} stop windows), duplicates {duplicates}, phantom {phantom}");
        Assert.Equal(0, duplicates);
        Assert.Equal(0, phantom);
    }

    /// <summary>
    /// Ready: the readiness probe answers 200. Until every silo (not only the one running the feed) reports ready,
    /// a silo whose only failing check is <c>feed</c> counts as ready here: it is Active and serves, and only the feed
    /// leader holds an exchange connection.
    /// </summary>
    private static bool IsReady(HttpStatusCode status, string body)
    {
        if (status == HttpStatusCode.OK)
        {
            return true;
        }

        if (status != HttpStatusCode.ServiceUnavailable)
        {
            return false;
        }

        using var json = JsonDocument.Parse(body);
        var failed = json.RootElement.GetProperty("failed").EnumerateArray().Select(e => e.GetString()).ToList();
        return failed is ["feed"];
    }

    private SiloContainer NewPod()
    {
        var index = ++_nextPod;
        // Host network: each pod takes ports of its own, the same offset from the manifest's ports.
        var container = new SiloContainer($"laevitas-silo-{Environment.ProcessId}-{index}", 21_110 + index, 31_000 + index, 18_080 + index);
        _containers.Add(container);
        return container;
    }

    /// <summary>
    /// The pod's environment: the ConfigMap, the Deployment's downward-API variables and the Secret's key, with the
    /// overrides this host needs — each one said here, nothing else differs from the manifests.
    /// </summary>
    private Dictionary<string, string> EnvironmentFor(SiloContainer container)
    {
        var environment = new Dictionary<string, string>(_manifests.ConfigMap.Data, StringComparer.Ordinal);
        foreach (var (key, value) in _manifests.DownwardApi(container.Name, Namespace, PodIp))
        {
            environment[key] = value;
        }

        foreach (var (key, value) in Overrides(container))
        {
            Assert.True(environment.ContainsKey(key) || key is "ConnectionStrings__Postgres" or "ASPNETCORE_HTTP_PORTS", $"override {key} is not a key of the manifests");
            environment[key] = value;
        }

        return environment;
    }

    private Dictionary<string, string> Overrides(SiloContainer container) => new(StringComparer.Ordinal)
    {
        // No Kubernetes API server here: membership in the Postgres table, the image's own default.
        ["Orleans__ClusteringMode"] = "AdoNet",
        // The Secret's key: the private PostgreSQL.
        ["ConnectionStrings__Postgres"] = _connectionString,
        // The kafka-broker process (one broker: replication 1) and the simulator instead of the real services.
        ["Kafka__BootstrapServers"] = _broker!.BootstrapServers,
        ["Kafka__ReplicationFactor"] = "1",
        ["Deribit__Url"] = _simulator!.Url,
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
        var environment = new Dictionary<string, string>(_manifests.ConfigMap.Data, StringComparer.Ordinal)
        {
            ["Orleans__ClusteringMode"] = "AdoNet",
            ["ConnectionStrings__Postgres"] = _connectionString,
            ["Orleans__ClusterId"] = _manifests.Template.Metadata.Labels["orleans/clusterId"],
            ["Orleans__ServiceId"] = _manifests.Template.Metadata.Labels["orleans/serviceId"],
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
        await using var command = _database!.CreateCommand("SELECT instrument_name FROM deribit_prices ORDER BY \"timestamp\" DESC LIMIT 1");
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var command = _database!.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private Dictionary<string, int> LedgerCounts() =>
        _simulator!.Ledger.Snapshot().ToDictionary(p => p.Key, p => p.Value.Count, StringComparer.Ordinal);

    /// <summary>Ticks (instrument, exchange timestamp) the simulator wrote to sockets between two ledger snapshots.</summary>
    private HashSet<(string Instrument, long Timestamp)> SentBetween(Dictionary<string, int> from, Dictionary<string, int> to)
    {
        var sent = new HashSet<(string, long)>();
        foreach (var (channel, timestamps) in _simulator!.Ledger.Snapshot())
        {
            var first = from.GetValueOrDefault(channel);
            var last = Math.Min(to.GetValueOrDefault(channel), timestamps.Count);
            var instrument = channel.Split('.')[1];
            for (var i = first; i < last; i++)
            {
                sent.Add((instrument, timestamps[i]));
            }
        }

        return sent;
    }

    /// <summary>Every tick the simulator ever wrote to a socket.</summary>
    private HashSet<(string Instrument, long Timestamp)> EverSent() => SentBetween([], LedgerCounts());

    private async Task<Dictionary<(string Instrument, long Timestamp), long>> StoredBetweenAsync(long from, long to)
    {
        var stored = new Dictionary<(string, long), long>();
        await using var command = _database!.CreateCommand(
            "SELECT instrument_name, \"timestamp\", count(*) FROM deribit_prices WHERE \"timestamp\" BETWEEN @from AND @to GROUP BY 1, 2");
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            stored[(reader.GetString(0), reader.GetInt64(1))] = reader.GetInt64(2);
        }

        return stored;
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
