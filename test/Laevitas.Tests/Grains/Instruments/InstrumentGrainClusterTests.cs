using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Laevitas.Tests.Grains.Instruments;

/// <summary>
/// What the instrument grain's cluster tests share: a database per test class, a spool directory removed afterwards,
/// and a one-silo test cluster per test on a topic of its own, with a recording publisher in place of Kafka's.
/// </summary>
public abstract class InstrumentGrainClusterTests(PostgresFixture postgres, KafkaFixture kafka, string databaseName) : IAsyncLifetime
{
    protected const string Instrument = "BTC-PERPETUAL";
    protected const long T0 = 1_700_000_000_000;
    private readonly string spoolDirectory = Path.Combine(Path.GetTempPath(), "laevitas-tests", Guid.NewGuid().ToString("N"));

    /// <summary>This class's database (created in <see cref="InitializeAsync"/>).</summary>
    protected string ConnectionString { get; private set; } = "";

    /// <summary>The PostgreSQL server, for tests that stop and start it.</summary>
    protected PostgresFixture Postgres => postgres;

    public async Task InitializeAsync() => ConnectionString = await postgres.CreateDatabaseAsync(databaseName);

    public Task DisposeAsync()
    {
        if (Directory.Exists(spoolDirectory))
        {
            Directory.Delete(spoolDirectory, recursive: true);
        }

        return Task.CompletedTask;
    }

    /// <summary>Ticks of <see cref="Instrument"/> at <see cref="T0"/> + each offset, the offset as sequence number.</summary>
    protected static TickBatch Ticks(params long[] offsets) =>
        new(offsets.Select(o => TestTicks.Create(Instrument, T0 + o, (int)o)).ToArray());

    /// <summary>
    /// Starts a cluster on a new one-partition topic named after <paramref name="topicName"/> (cut to 40 characters,
    /// plus a random suffix so reruns never share one); <paramref name="replacePublisher"/> puts the test's recording
    /// publisher in place of the Kafka one.
    /// </summary>
    protected async Task<InProcessTestCluster> StartClusterAsync(
        string topicName,
        string serviceId,
        IReadOnlyDictionary<string, string?> configuration,
        Action<IServiceCollection> replacePublisher)
    {
        var topic = await kafka.CreateTopicAsync(topicName[..Math.Min(topicName.Length, 40)] + Guid.NewGuid().ToString("N")[..6], 1);
        return await GrainTestCluster.StartAsync(
            ConnectionString, kafka.Options(topic, 1), spoolDirectory, serviceId, configuration, silo => replacePublisher(silo.Services));
    }
}
