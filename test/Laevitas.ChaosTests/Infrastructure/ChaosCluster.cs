using Laevitas.Testing.Processes;
using Laevitas.Testing;
using System.Globalization;
using Laevitas.ChaosTests.Reporting;
using Laevitas.DeribitSimulator;
using Laevitas.Grains.Abstractions.Clustering;
using Laevitas.Streaming.Kafka;
using Laevitas.LocalInfrastructure.Kafka;
using Laevitas.LocalInfrastructure.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Laevitas.ChaosTests.Infrastructure;

/// <summary>
/// The whole system as processes: a private PostgreSQL server and the Kafka broker (librdkafka mock cluster) in the
/// test process, the Deribit simulator in the test process (recording what it sends), and <see cref="SiloCount"/>
/// silo processes clustered through the Postgres membership table. Shared by the chaos collection: every case starts
/// from a healthy, caught-up system (<see cref="BeginCaseAsync"/>) and ends with an exact reconciliation of its window
/// (<see cref="EndCaseAsync"/>).
/// </summary>
public sealed partial class ChaosCluster : IAsyncLifetime
{
    public const int SiloCount = 3;
    public const int Partitions = 6;

    /// <summary>Silos running a complete feed each (Deribit:FeedReplicas, the AdoNet default made explicit).</summary>
    public const int FeedReplicas = 2;
    public const string Topic = "deribit";
    public const string ClientId = "laevitas-chaos";

    /// <summary>The writers' consumer group (KafkaStreamOptions.ConsumerGroup default).</summary>
    public const string WriterGroup = "laevitas-writer";

    private readonly List<SiloProcess> silos = [];
    private readonly Dictionary<string, string> siloEnvironment = new(StringComparer.Ordinal);
    private IHost? client;
    private int slotsAdded;

    public PrivatePostgres Postgres { get; } = new();

    public MockKafkaCluster Kafka { get; private set; } = null!;

    public DeribitSimulatorServer Simulator { get; private set; } = null!;

    public NpgsqlDataSource Database { get; private set; } = null!;

    public string ConnectionString { get; private set; } = "";

    public string ClusterId { get; } = "chaos-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Given to the silos as Deribit__ClientSecret; must never show up in their logs.</summary>
    public string ClientSecret { get; } = "chaos-secret-" + Guid.NewGuid().ToString("N");

    public string RunDirectory { get; } = Path.Combine(Path.GetTempPath(), "laevitas-chaos", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Environment.ProcessId);

    public string LogDirectory => Path.Combine(RunDirectory, "logs");

    public IReadOnlyList<SiloProcess> Silos => silos;

    public ReliabilityReport Report { get; } = new();

    public async Task InitializeAsync()
    {
        ChildProcessRegistry.ReapOrphans();
        Directory.CreateDirectory(LogDirectory);
        await Postgres.StartAsync();
        ConnectionString = await CreateDatabaseAsync("laevitas_chaos");
        Database = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(ConnectionString) { Timeout = 5, CommandTimeout = 60 }.ConnectionString);

        Kafka = MockKafkaCluster.Create(brokers: 1);
        Kafka.CreateTopic(Topic, Partitions);
        // The silos provision the dead-letter topic next to the tick topic; the mock cannot create topics on request.
        Kafka.CreateTopic(new KafkaOptions { Topic = Topic }.DeadLetterTopicName, Partitions);
        Kafka.CreateTopic(new KafkaOptions { Topic = Topic }.TradesTopicName, Partitions);

        var simulatorOptions = new SimulatorOptions
        {
            InstrumentCount = ChaosSettings.Instruments,
            TicksPerSecond = ChaosSettings.TicksPerSecond,
            RecordEmitted = true,
            Seed = 8,
        };
        simulatorOptions.Credentials.Add(new SimulatorCredential(ClientId, ClientSecret));
        Simulator = await DeribitSimulatorServer.StartAsync(simulatorOptions);

        foreach (var (key, value) in BaseEnvironment())
        {
            siloEnvironment[key] = value;
        }

        for (var i = 1; i <= SiloCount; i++)
        {
            AddSlot();
        }

        foreach (var silo in silos)
        {
            silo.Start();
        }

        foreach (var silo in silos)
        {
            await WaitActiveAsync(silo);
        }

        await WaitForLeaderAsync();
        await Eventually.TrueAsync(() => Simulator.GetStatistics().Subscriptions >= 2_000, ChaosSettings.Patience,
            "the feed to subscribe at least 2,000 instruments", () => $"{Simulator.GetStatistics().Subscriptions} subscribed");
        await Eventually.TrueAsync(async () => await CountRowsAsync(0, long.MaxValue) > 0, ChaosSettings.Patience,
            "the first rows in deribit_prices", DescribeSilos);
    }

    public async Task DisposeAsync()
    {
        try
        {
            var written = Report.Write();
            if (written is not null)
            {
                Console.WriteLine($"Reliability report written to {written}");
            }
        }
        finally
        {
            if (client is not null)
            {
                try
                {
                    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    await client.StopAsync(stop.Token);
                }
                catch (Exception)
                {
                    // The cluster may already be gone; nothing to hand back.
                }

                client.Dispose();
            }

            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }

            if (Simulator is not null)
            {
                await Simulator.DisposeAsync();
            }

            Kafka?.Dispose();
            if (Database is not null)
            {
                await Database.DisposeAsync();
            }

            await Postgres.DisposeAsync();
        }
    }

    /// <summary>Adds a silo slot (not started) with the cluster's settings.</summary>
    public SiloProcess AddSlot()
    {
        // Numbered by slots ever added, not by slots now present: a replaced silo's name (and log file) is never reused.
        var name = $"silo-{++slotsAdded}";
        var silo = new SiloProcess(name, LogDirectory, Path.Combine(RunDirectory, "spool", name), siloEnvironment);
        silos.Add(silo);
        return silo;
    }

    /// <summary>Removes a slot added by a case (killing its process) so the next case starts from the baseline.</summary>
    public async Task RemoveSlotAsync(SiloProcess silo)
    {
        await silo.StopAsync();
        await silo.DisposeAsync();
        silos.Remove(silo);
    }

    private Dictionary<string, string> BaseEnvironment() => new(StringComparer.Ordinal)
    {
        // Three silos, the broker and the test share two cores here: the workstation GC keeps each silo to one GC
        // heap and thread (the silo's own default, server GC with a heap per core, is for a machine of its own).
        ["DOTNET_gcServer"] = "0",
        ["DOTNET_TieredPGO"] = "0",
        // Each silo has two pools (Orleans' ADO.NET providers and the writer's data source), 100 connections each by
        // default: three silos could open 600 against the server's 200 and fail grain activations with 53300
        // "too many clients" while thousands of instruments activate at once. Operators size this the same way.
        ["ConnectionStrings__Postgres"] = new NpgsqlConnectionStringBuilder(ConnectionString) { MaxPoolSize = 20 }.ConnectionString,
        ["Kafka__BootstrapServers"] = Kafka.BootstrapServers,
        ["Kafka__Topic"] = Topic,
        ["Kafka__Partitions"] = Partitions.ToString(CultureInfo.InvariantCulture),
        ["Kafka__ReplicationFactor"] = "1",
        // One produce request in flight per connection. The broker here is librdkafka's mock cluster, which does not
        // check an idempotent (non-transactional) producer's sequence numbers: with a request failed by an injected
        // error and the next one already on the wire, it appends the next one, and librdkafka, seeing a later batch
        // acknowledged, reports the failed one delivered too (an "implicit ack") though it was never stored. A real
        // broker refuses the out-of-order batch, so production keeps librdkafka's default of 5. Seen once in
        // kafka-errors: 8 ticks missing, no error counted anywhere.
        ["Kafka__Producer__max.in.flight.requests.per.connection"] = "1",
        // The bad-input case asserts on the writer's "Skipped an unusable tick" lines, which are rate-limited (10 a minute
        // by default); the poison-records case, which may run just before it, sets aside 42 records and would spend
        // that budget.
        ["TickWriter__SkippedTickLogsPerMinute"] = "1000",
        ["Orleans__ClusteringMode"] = "AdoNet",
        ["Orleans__ClusterId"] = ClusterId,
        ["Orleans__AdvertisedIPAddress"] = "127.0.0.1",
        ["Deribit__Url"] = Simulator.Url,
        ["Deribit__FeedReplicas"] = FeedReplicas.ToString(CultureInfo.InvariantCulture),
        ["Deribit__Currencies"] = "BTC,ETH,USDC",
        ["Deribit__ClientId"] = ClientId,
        ["Deribit__ClientSecret"] = ClientSecret,
        ["Deribit__HeartbeatIntervalSeconds"] = "10",
        ["Deribit__DeadLinkMarginSeconds"] = "1",
        ["Deribit__ReconnectMinDelaySeconds"] = "0.2",
        ["Deribit__ReconnectMaxDelaySeconds"] = "2",
        ["Deribit__RateLimitBackoffSeconds"] = "1",
        ["Deribit__CircuitBreakerFailureThreshold"] = "3",
        ["Deribit__CircuitBreakerOpenSeconds"] = "2",
        ["Deribit__ConnectTimeoutSeconds"] = "3",
        ["Deribit__RequestTimeoutSeconds"] = "5",
        ["Deribit__DiscoveryCallsPerSecond"] = "20",
        // Listings added by a case (the hostile name) are picked up within seconds, not the default 5 minutes.
        ["Deribit__DiscoveryRefreshSeconds"] = "15",
        ["Instruments__PersistInterval"] = "00:00:10",
        ["Logging__Console__FormatterName"] = "simple",
        ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
        ["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true",
        ["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled",
        ["Logging__LogLevel__Default"] = "Information",
        ["Logging__LogLevel__Microsoft"] = "Warning",
        ["Logging__LogLevel__Orleans"] = "Warning",
        ["Logging__LogLevel__Npgsql"] = "Warning",
        // Orleans 10's placement runs through a Polly pipeline that logs every call at Information.
        ["Logging__LogLevel__Polly"] = "Warning",
    };

    /// <summary>An Orleans client of the cluster (gateways from the membership table), started on first use.</summary>
    public async Task<IClusterClient> ClientAsync()
    {
        if (client is null)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Orleans:ClusteringMode"] = "AdoNet",
                ["Orleans:ClusterId"] = ClusterId,
                ["ConnectionStrings:Postgres"] = ConnectionString,
            }).Build();
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.UseOrleansClient(client => client.UseLaevitasClustering(configuration));
            var host = builder.Build();
            await host.StartAsync();
            client = host;
        }

        return client.Services.GetRequiredService<IClusterClient>();
    }

    public KafkaOptions KafkaOptions() => new()
    {
        BootstrapServers = Kafka.BootstrapServers,
        Topic = Topic,
        Partitions = Partitions,
        ReplicationFactor = 1,
    };

    public static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private async Task<string> CreateDatabaseAsync(string database)
    {
        await using var connection = new NpgsqlConnection(Postgres.ConnectionString);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        return Postgres.ConnectionStringFor(database);
    }
}
