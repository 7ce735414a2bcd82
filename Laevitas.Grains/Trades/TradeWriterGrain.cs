using Laevitas.Grains.Abstractions.Hosting;
using Laevitas.Grains.Abstractions.Writing;
using Laevitas.Grains.Storage;
using Laevitas.Grains.Writing;
using Laevitas.Streaming.Kafka.Providers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Placement;

namespace Laevitas.Grains.Trades;

/// <summary>
/// Stores the trades of one partition of the trades topic (key = partition) in <c>deribit_trades</c>: the trade
/// stream provider delivers the partition's records as <see cref="PartitionBatch"/>es in offset order, this grain
/// parses each trade once (<see cref="TradePayloadParser"/>), writes the batch in one transaction through
/// <see cref="DeribitTradesStore"/> (idempotent on (currency, trade_id, timestamp)) and returns only after COMMIT,
/// which is what lets the provider commit the offsets (invariant 1).
/// </summary>
/// <remarks>
/// The tick writer's rules (<see cref="PartitionWriterGrain{TRow}"/>), for trades: the database down ⇒ retried with backoff within the call, then thrown so the
/// pulling agent re-delivers the same batch, forever, no offset advancing; a record that can never be stored (not a
/// trade, no key, absurd time, too large, refused by PostgreSQL, or one that throws while read) is set aside to the
/// dead-letter topic (shared with the ticks; its source header names the trades topic) before the call returns, so
/// it never stalls its partition (invariant 9).
/// </remarks>
[ImplicitStreamSubscription(ProviderNames.TradeStreamNamespace)]
[PreferLocalPlacement]
public sealed partial class TradeWriterGrain : PartitionWriterGrain<DeribitTradeRow>, ITradeWriterGrain
{
    private readonly ILogger<TradeWriterGrain> logger;
    private readonly DeribitTradesStore store;

    public TradeWriterGrain(
        NpgsqlDataSource dataSource,
        DailyPartitions partitions,
        TickWriterStatus status,
        DeadLetterPublisher deadLetterPublisher,
        IOptions<TickWriterOptions> options,
        IOptions<SiloMessagingOptions> messaging,
        ILogger<TradeWriterGrain> logger)
        : base(status, deadLetterPublisher, options.Value, messaging.Value, TradePayloadParser.TryParse, initialCapacity: 64, recordNoun: "trade", partitionLabel: "Trades partition")
    {
        this.logger = logger;
        store = new DeribitTradesStore(dataSource, partitions);
    }

    protected override Task<int> InsertIsolatingRejectedRowsAsync(ReadOnlyMemory<DeribitTradeRow> rows, Action<int, PostgresException> rejected) =>
        store.InsertIsolatingRejectedRowsAsync(rows, rejected);

    protected override ValueTask ResetStoreAsync() => store.ResetAsync();

    protected override ValueTask DisposeStoreAsync() => store.DisposeAsync();

    // Trades count rows only; a trade batch's write time is not a metric.
    protected override void ReportBatchStored(TickWriterStatus status, int count, int inserted, TimeSpan elapsed) =>
        status.TradeBatchStored(Partition, count, inserted);

    protected override void LogStreamError(Exception error) => LogStreamError(error, Partition);

    [LoggerMessage(EventId = 2301, Level = LogLevel.Warning, Message = "Trade stream of partition {Partition} reported an error")]
    private partial void LogStreamError(Exception error, int partition);
}
