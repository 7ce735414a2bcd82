using Laevitas.Streaming.Kafka;
using Laevitas.Streaming.Kafka.Providers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime.Providers;
using Orleans.Streams;

namespace Laevitas.Streaming.Kafka.Hosting;

public static class KafkaStreamHostingExtensions
{
    /// <summary>
    /// Adds the Kafka persistent stream provider <paramref name="name"/> (use <c>ProviderNames.Streams</c>): one queue per
    /// partition of <c>Kafka:Topic</c>, delivered as <see cref="PartitionBatch"/>es on stream namespace
    /// <c>ProviderNames.TickStreamNamespace</c>, key = partition. Options come from <c>Kafka</c> and <c>Kafka:Stream</c>;
    /// <paramref name="configure"/> may override them.
    /// </summary>
    public static ISiloBuilder AddKafkaStreams(this ISiloBuilder builder, string name, Action<KafkaStreamOptions>? configure = null) =>
        AddKafkaStreams(builder, name, streamOptions =>
        {
            if (configure is not null)
            {
                streamOptions.Configure(configure);
            }
        });

    /// <summary>
    /// Adds the Kafka persistent stream provider <paramref name="name"/> (use <c>ProviderNames.TradeStreams</c>) over
    /// <c>Kafka:TradesTopic</c>, delivering on stream namespace <c>ProviderNames.TradeStreamNamespace</c>: the same
    /// provider as the ticks' (batches, offsets committed only after delivery, same <c>Kafka:Stream</c> settings), a
    /// separate instance.
    /// </summary>
    public static ISiloBuilder AddKafkaTradeStreams(this ISiloBuilder builder, string name, Action<KafkaStreamOptions>? configure = null) =>
        AddKafkaStreams(builder, name, streamOptions =>
        {
            streamOptions.Configure<IOptions<KafkaOptions>>((o, kafka) =>
            {
                o.Topic = kafka.Value.TradesTopicName;
                o.StreamNamespace = Grains.Abstractions.Hosting.ProviderNames.TradeStreamNamespace;
            });
            if (configure is not null)
            {
                streamOptions.Configure(configure);
            }
        });

    private static ISiloBuilder AddKafkaStreams(ISiloBuilder builder, string name, Action<OptionsBuilder<KafkaStreamOptions>> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);

        var services = builder.Services;
        services.AddKafkaOptions();
        var streamOptions = services.AddOptions<KafkaStreamOptions>(name).BindConfiguration(KafkaStreamOptions.SectionName);
        configure(streamOptions);

        streamOptions.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaStreamOptions>, KafkaStreamOptionsValidator>());
        services.TryAddSingleton<KafkaStreamStatus>();
        // The pulling agent logs under "Orleans.Streams.{provider}". While a writer lags it writes "Stream cache is
        // under pressure. Backing off." at Information on every poll of every queue (thousands of lines in one bench
        // run); the lag gauge and the status line show a lagging writer instead, and the receiver logs its own
        // partition assignments, the agent's other Information messages.
        services.AddLogging(logging => logging.AddFilter($"Orleans.Streams.{name}", LogLevel.Warning));

        builder.AddPersistentStreams(name, KafkaQueueAdapterFactory.Create, stream =>
        {
            // Only implicit subscriptions (the writer grains): no pub-sub grain state to store, and an implicit
            // subscription is never faulted by the pulling agent.
            stream.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
            // Queues spread evenly over the Active silos and re-spread on every join and leave (the default ring
            // balancer leaves a topic's few queues unevenly spread, and a joining silo possibly without any).
            stream.ConfigurePartitionBalancing(EvenQueueBalancer.Create);
            stream.ConfigurePullingAgent(agent => agent.Configure<IOptionsMonitor<KafkaStreamOptions>>((o, monitor) =>
            {
                var kafkaStream = monitor.Get(name);
                // Never give up re-delivering a batch the writer could not store: after MaxEventDeliveryTime (default
                // one minute) the agent would move past it. The batch would then stay uncommitted (the receiver stops
                // committing at it) but would not be stored until the queue is re-read; waiting keeps it flowing.
                o.MaxEventDeliveryTime = Timeout.InfiniteTimeSpan;
                // One PartitionBatch per call already carries thousands of ticks.
                o.BatchContainerBatchSize = 1;
                o.GetQueueMsgsTimerPeriod = kafkaStream.PollPeriod;
            }));
            stream.ConfigureBackoffProvider((Func<IServiceProvider, string, IMessageDeliveryBackoffProvider>)((sp, n) =>
            {
                var kafkaStream = sp.GetRequiredService<IOptionsMonitor<KafkaStreamOptions>>().Get(n);
                return new KafkaRedeliveryBackoff(kafkaStream.RedeliveryMinDelay, kafkaStream.RedeliveryMaxDelay);
            }));
        });
        return builder;
    }
}
