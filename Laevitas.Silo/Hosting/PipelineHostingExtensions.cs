using Laevitas.Feed;
using Laevitas.Grains.Abstractions.Hosting;
using Laevitas.Grains.History;
using Laevitas.Grains.Instruments;
using Laevitas.Grains.Retention;
using Laevitas.Grains.Storage;
using Laevitas.Grains.Writing;
using Laevitas.Silo.Clustering;
using Laevitas.Silo.Dispatch;
using Laevitas.Silo.FeedPlacement;
using Laevitas.Silo.Memory;
using Laevitas.Silo.Settlements;
using Laevitas.Silo.Stats;
using Laevitas.Streaming.Kafka.Hosting;

namespace Laevitas.Silo.Hosting;

/// <summary>
/// The silo's stages, one call each, so that <c>Program.cs</c> lists them in the order a tick flows through them:
/// feed → dispatch → instrument grains → Kafka stream → writer. Each call only wires its stage; the stage's own
/// project holds the code (docs/architecture.md).
/// </summary>
public static class PipelineHostingExtensions
{
    /// <summary>
    /// The Orleans silo itself: clustering (<c>Orleans:ClusteringMode</c>), grain storage on PostgreSQL and the
    /// database schema (migrations run before the silo joins), the log line that says where it listens, and memory
    /// given back after a load (<c>Memory</c>).
    /// </summary>
    public static WebApplicationBuilder AddLaevitasSilo(this WebApplicationBuilder builder)
    {
        builder.Services.AddLaevitasPostgres(builder.Configuration);
        builder.UseOrleans(silo => silo.UseLaevitasClustering(builder.Configuration).AddLaevitasGrainStorage());
        builder.Services.AddHostedService<ListenAddressLogger>();
        builder.Services.AddMemoryReclaimer();
        return builder;
    }

    /// <summary>Stage 1, the feed: Deribit's WebSocket → <typeparamref name="TSink"/>, on the feed silos.</summary>
    public static WebApplicationBuilder AddDeribitFeed<TSink>(this WebApplicationBuilder builder)
        where TSink : class, ITickSink
    {
        builder.Services.AddDeribitFeed<TSink>(builder.Configuration);
        return builder;
    }

    /// <summary>Stage 2, dispatch: each tick to its instrument's grain, batched per instrument.</summary>
    public static WebApplicationBuilder AddTickDispatch(this WebApplicationBuilder builder)
    {
        builder.UseOrleans(silo => silo.AddTickDispatch());
        return builder;
    }

    /// <summary>Stage 3, instrument grains: the latest state per instrument; every tick published to Kafka.</summary>
    public static WebApplicationBuilder AddInstrumentGrains(this WebApplicationBuilder builder)
    {
        builder.UseOrleans(silo => silo.AddLaevitasInstruments());
        return builder;
    }

    /// <summary>Stage 4, the Kafka stream: the topic read back through an Orleans persistent stream, a queue per partition.</summary>
    public static WebApplicationBuilder AddKafkaTickStream(this WebApplicationBuilder builder)
    {
        // Two instances of the provider: the ticks' topic and the trades' topic, each with its queues and offsets.
        builder.UseOrleans(silo => silo.AddKafkaStreams(ProviderNames.Streams).AddKafkaTradeStreams(ProviderNames.TradeStreams));
        return builder;
    }

    /// <summary>Stage 5, the writer: the stream's batches into <c>deribit_prices</c>, and the history queries over it.</summary>
    public static WebApplicationBuilder AddTickWriter(this WebApplicationBuilder builder)
    {
        builder.UseOrleans(silo => silo.AddTickWriter());
        builder.Services.AddPriceHistory();
        return builder;
    }

    /// <summary>Retention: daily partitions of market data dropped past <c>Retention:Days</c> (off by default), one silo at a time.</summary>
    public static WebApplicationBuilder AddRetention(this WebApplicationBuilder builder)
    {
        builder.Services.AddPartitionRetention();
        return builder;
    }

    /// <summary>
    /// Settlements: Deribit's delivery prices (<c>public/get_delivery_prices</c>) backfilled into
    /// <c>deribit_delivery_prices</c> at start and after each 08:00 UTC settlement (<c>Settlements:*</c>).
    /// </summary>
    public static WebApplicationBuilder AddSettlements(this WebApplicationBuilder builder)
    {
        builder.Services.AddSettlementBackfill();
        return builder;
    }

    /// <summary>The status line and the per-silo report behind <c>/api/stats</c>, read from every stage's counters.</summary>
    public static WebApplicationBuilder AddPipelineStats(this WebApplicationBuilder builder)
    {
        builder.UseOrleans(silo => silo.AddPipelineStatsReporter());
        return builder;
    }
}
