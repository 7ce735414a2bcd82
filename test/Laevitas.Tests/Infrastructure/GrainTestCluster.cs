using Laevitas.Grains.Instruments;
using Laevitas.Streaming.Kafka;
using Laevitas.Grains.Storage;
using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;

namespace Laevitas.Tests.Infrastructure;

/// <summary>Starts an in-process Orleans test cluster wired like the silo: Postgres grain storage, instrument grains, Kafka publisher.</summary>
internal static class GrainTestCluster
{
    public static async Task<InProcessTestCluster> StartAsync(
        string postgresConnectionString,
        KafkaOptions kafka,
        string spoolDirectory,
        string serviceId,
        IReadOnlyDictionary<string, string?>? extraConfiguration = null,
        Action<ISiloBuilder>? configureSilo = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = postgresConnectionString,
            ["Kafka:BootstrapServers"] = kafka.BootstrapServers,
            ["Kafka:Topic"] = kafka.Topic,
            ["Kafka:Partitions"] = kafka.Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Publisher:SpoolDirectory"] = spoolDirectory,
            ["Publisher:ShutdownFlushTimeout"] = "00:00:05",
        };
        foreach (var (key, value) in extraConfiguration ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ServiceId = serviceId;
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(configuration));
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddLaevitasGrainStorage();
            silo.AddLaevitasInstruments();
            configureSilo?.Invoke(silo);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
