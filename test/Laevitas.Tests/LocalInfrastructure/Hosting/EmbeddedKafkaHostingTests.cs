using Laevitas.Streaming.Kafka;
using Laevitas.LocalInfrastructure.Hosting;
using Laevitas.LocalInfrastructure.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Laevitas.Tests.LocalInfrastructure.Hosting;

public sealed class EmbeddedKafkaHostingTests
{
    [Fact]
    public async Task WithoutBootstrapServersTheHostGetsAnEmbeddedBrokerWithTheTopicAndStopsItOnDispose()
    {
        var topic = $"hosting-{Guid.NewGuid():N}";
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = "",
            ["Kafka:Topic"] = topic,
            ["Kafka:Partitions"] = "5",
        });
        builder.Services.AddKafkaOptions();

        builder.AddEmbeddedKafkaWhenUnconfigured();

        Assert.False(string.IsNullOrEmpty(builder.Configuration["Kafka:BootstrapServers"]));
        // The embedded broker's retention is short: the dispatcher keeps to the writers' pace sooner.
        Assert.Equal("200000", builder.Configuration["Dispatch:PaceBacklog"]);
        MockKafkaCluster cluster;
        using (var host = builder.Build())
        {
            await host.StartAsync();
            cluster = host.Services.GetRequiredService<MockKafkaCluster>();
            var options = host.Services.GetRequiredService<IOptions<KafkaOptions>>().Value;
            Assert.Equal(cluster.BootstrapServers, options.BootstrapServers);

            var ensured = await KafkaTopicProvisioner.EnsureTopicAsync(options, TimeSpan.FromSeconds(5));
            Assert.Equal(new TopicProvisioningResult(topic, TopicProvisioningOutcome.AlreadyExisted, 5), ensured);

            await host.StopAsync();
        }

        Assert.Throws<ObjectDisposedException>(() => cluster.SetBrokerDown(1));
    }

    [Fact]
    public void WithBootstrapServersConfiguredNothingIsStarted()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Kafka:BootstrapServers"] = "kafka-1:9092" });

        builder.AddEmbeddedKafkaWhenUnconfigured();

        Assert.Equal("kafka-1:9092", builder.Configuration["Kafka:BootstrapServers"]);
        Assert.Null(builder.Configuration["Dispatch:PaceBacklog"]);
        Assert.DoesNotContain(builder.Services, d => d.ServiceType == typeof(MockKafkaCluster));
    }
}
