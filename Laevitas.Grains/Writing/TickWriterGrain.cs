using Laevitas.Grains.Abstractions.Hosting;
using Laevitas.Grains.Abstractions.Writing;
using Laevitas.Grains.Storage;
using Laevitas.Streaming.Kafka.Providers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Placement;

namespace Laevitas.Grains.Writing;

/// <summary>
/// Stores the ticks of one Kafka partition (key = partition) in <c>deribit_prices</c>. The Kafka stream provider
/// delivers the partition's records as <see cref="PartitionBatch"/>es, one call per batch, in offset order; this grain
/// parses and enriches every tick once, writes the batch in one transaction (binary COPY + insert that skips rows
/// already stored), and returns only after COMMIT. Returning is what lets the provider commit the batch's offsets
/// (invariant 1), so a batch is never held across calls: the receiver already sized it (ticks, bytes, wait).
/// </summary>
/// <remarks>
/// <para>The batching, the retries while the database is down and the setting aside of records that can never be
/// stored are <see cref="PartitionWriterGrain{TRow}"/>'s; here: the store, the parser and the tick metrics. A late
/// re-delivery of a batch already stored is harmless: rows are keyed by (instrument_name, timestamp).</para>
/// <para>Placed on the silo that delivers to it (the one reading the partition) so batches do not cross the network.</para>
/// </remarks>
[ImplicitStreamSubscription(ProviderNames.TickStreamNamespace)]
[PreferLocalPlacement]
public sealed partial class TickWriterGrain : PartitionWriterGrain<DeribitPriceRow>, ITickWriterGrain
{
    private readonly ILogger<TickWriterGrain> logger;
    private readonly DeribitPricesStore store;

    public TickWriterGrain(
        NpgsqlDataSource dataSource,
        DailyPartitions partitions,
        TickWriterStatus status,
        DeadLetterPublisher deadLetterPublisher,
        IOptions<TickWriterOptions> options,
        IOptions<SiloMessagingOptions> messaging,
        ILogger<TickWriterGrain> logger)
        : base(status, deadLetterPublisher, options.Value, messaging.Value, TickPayloadParser.TryParse, initialCapacity: 256, recordNoun: "tick", partitionLabel: "Partition")
    {
        this.logger = logger;
        store = new DeribitPricesStore(dataSource, partitions);
    }

    protected override Task<int> InsertIsolatingRejectedRowsAsync(ReadOnlyMemory<DeribitPriceRow> rows, Action<int, PostgresException> rejected) =>
        store.InsertIsolatingRejectedRowsAsync(rows, rejected);

    protected override ValueTask ResetStoreAsync() => store.ResetAsync();

    protected override ValueTask DisposeStoreAsync() => store.DisposeAsync();

    protected override void ReportBatchStored(TickWriterStatus status, int count, int inserted, TimeSpan elapsed) =>
        status.BatchStored(Partition, count, inserted, elapsed);

    protected override void LogStreamError(Exception error) => LogStreamError(error, Partition);

    [LoggerMessage(EventId = 2109, Level = LogLevel.Warning, Message = "Tick stream of partition {Partition} reported an error")]
    private partial void LogStreamError(Exception error, int partition);
}
