using Laevitas.DeribitSimulator;

namespace Laevitas.Tests.Infrastructure;

/// <summary>
/// Private PostgreSQL + embedded Kafka + simulator (40 instruments, 400 ticks/s) + one silo with the HTTP API, shared by
/// the <see cref="ApiCollection"/>. Starts lazily on first use so that a filtered run pays only for what it uses.
/// </summary>
public sealed class ApiEnvironment : IAsyncLifetime
{
    private readonly SemaphoreSlim startGate = new(1, 1);
    private readonly string spoolDirectory = Path.Combine(Path.GetTempPath(), "laevitas-tests", "api-" + Guid.NewGuid().ToString("N")[..8]);
    private SiloApiHost? silo;

    public PostgresFixture Postgres { get; } = new();

    public KafkaFixture Kafka { get; private set; } = null!;

    public DeribitSimulatorServer Simulator { get; private set; } = null!;

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await Postgres.InitializeAsync();
        Kafka = new KafkaFixture();
        ConnectionString = await Postgres.CreateDatabaseAsync("api_tests");
        Simulator = await DeribitSimulatorServer.StartAsync(new SimulatorOptions { InstrumentCount = 40, TicksPerSecond = 400 });
    }

    /// <summary>The shared silo, started on first call and ready (silo active, feed connected, instruments registered).</summary>
    public async Task<SiloApiHost> SiloAsync()
    {
        await startGate.WaitAsync();
        try
        {
            if (silo is null)
            {
                var topic = await Kafka.CreateTopicAsync("api", 2);
                var settings = FeedHarness.FastSettings(Simulator.Url);
                settings["ConnectionStrings:Postgres"] = ConnectionString;
                settings["Kafka:BootstrapServers"] = Kafka.BootstrapServers;
                settings["Kafka:Topic"] = topic;
                settings["Kafka:Partitions"] = "2";
                settings["Publisher:SpoolDirectory"] = spoolDirectory;
                settings["Publisher:ShutdownFlushTimeout"] = "00:00:05";
                silo = await SiloApiHost.StartAsync(settings);
            }

            return silo;
        }
        finally
        {
            startGate.Release();
        }
    }

    public async Task DisposeAsync()
    {
        if (silo is not null)
        {
            await silo.DisposeAsync();
        }

        await Simulator.DisposeAsync();
        Kafka.Dispose();
        await Postgres.DisposeAsync();
        if (Directory.Exists(spoolDirectory))
        {
            Directory.Delete(spoolDirectory, recursive: true);
        }
    }
}
