using Laevitas.Grains.Publishing;
using Laevitas.Silo.Dispatch;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.TestingHost;

namespace Laevitas.Tests.Silo.Dispatch;

/// <summary>
/// A one-silo test cluster with the tick dispatcher, for the tests that watch which instruments' ticks get through:
/// the test's publisher stands in for Kafka's, so what was published is what the grains were let to take.
/// </summary>
internal static class DispatchTestCluster
{
    /// <summary>
    /// Starts the cluster on a database and a topic of its own, both named after <paramref name="name"/>, with
    /// <paramref name="settings"/> (the <c>Dispatch:*</c> options under test); <paramref name="configureSilo"/> runs
    /// last, e.g. to add a call filter.
    /// </summary>
    public static async Task<InProcessTestCluster> StartAsync(
        PostgresFixture postgres,
        KafkaFixture kafka,
        string name,
        ITickPublisher publisher,
        IReadOnlyDictionary<string, string?> settings,
        Action<ISiloBuilder>? configureSilo = null)
    {
        var connectionString = await postgres.CreateDatabaseAsync("dispatch_" + name);
        var topic = await kafka.CreateTopicAsync("dispatch-" + name + "-" + Guid.NewGuid().ToString("N")[..6], 1);
        var spool = Path.Combine(Path.GetTempPath(), "laevitas-tests", Guid.NewGuid().ToString("N"));
        return await GrainTestCluster.StartAsync(
            connectionString, kafka.Options(topic, 1), spool, name + "-" + Guid.NewGuid().ToString("N")[..8], settings,
            silo =>
            {
                silo.AddTickDispatch();
                silo.Services.Replace(ServiceDescriptor.Singleton(publisher));
                configureSilo?.Invoke(silo);
            });
    }

    /// <summary>The silo's dispatcher, to hand it ticks as the feed would.</summary>
    public static GrainTickSink Sink(InProcessTestCluster cluster) => cluster.Silos[0].ServiceProvider.GetRequiredService<GrainTickSink>();
}
