namespace Laevitas.Diagnostics;

/// <summary>
/// Every instrument of the <c>Laevitas</c> meter, in one place: the name, unit and description a dashboard, an alert
/// rule or the README refers to. A component creates its instruments through <see cref="LaevitasMeter"/> from these
/// definitions, so adding one is a line here and a line where it is measured.
/// </summary>
public static class LaevitasMetrics
{
    /// <summary>The meter's name (the Prometheus exporter and the tests select it by name).</summary>
    public const string MeterName = "Laevitas";

    // Feed: what the exchange sent and how the connections fare.
    public static readonly LaevitasMetric FeedTicks = new("laevitas.feed.ticks", "{tick}", "Ticker notifications received from Deribit");
    public static readonly LaevitasMetric FeedTrades = new("laevitas.feed.trades", "{trade}", "Trades received from Deribit (one per element of a trades notification's data array)");
    public static readonly LaevitasMetric FeedParseErrors = new("laevitas.feed.parse_errors", "{message}", "Messages the feed could not use (malformed, unknown, oversized)");
    public static readonly LaevitasMetric FeedReconnects = new("laevitas.feed.reconnects", "{reconnect}", "Connections lost and re-established");
    public static readonly LaevitasMetric FeedRateLimited = new("laevitas.feed.rate_limited", "{error}", "Error 10028 too_many_requests answers");
    public static readonly LaevitasMetric FeedSinkErrors = new("laevitas.feed.sink_errors", "{tick}", "Ticks the sink threw on");
    public static readonly LaevitasMetric FeedTestRequests = new("laevitas.feed.test_requests", "{request}", "Heartbeat test_requests answered with public/test");
    public static readonly LaevitasMetric FeedCircuitOpenings = new("laevitas.feed.circuit_openings", "{opening}", "Times the endpoint circuit breaker opened");
    public static readonly LaevitasMetric FeedListingEvents = new("laevitas.feed.listing_events", "{event}", "instrument.state notifications received from Deribit, tagged by state (created, started, settled, closed, deactivated, terminated, other)");
    public static readonly LaevitasMetric FeedConnections = new("laevitas.feed.connections", "{connection}", "Open ticker connections");
    public static readonly LaevitasMetric FeedChannels = new("laevitas.feed.channels", "{channel}", "Channels confirmed by the exchange");
    public static readonly LaevitasMetric FeedInstruments = new("laevitas.feed.instruments", "{instrument}", "Instruments the feed follows");
    public static readonly LaevitasMetric FeedCircuitState = new("laevitas.feed.circuit_state", null, "Circuit breaker: 0 closed, 1 half-open, 2 open");

    // Memory: given back after a load (Laevitas.Silo/Memory).
    public static readonly LaevitasMetric MemoryReclaims = new("laevitas.memory.reclaims", "{reclaim}", "Times the silo compacted its heap and gave memory back after a load passed");

    // Dispatch: feed → instrument grains.
    public static readonly LaevitasMetric DispatchTicks = new("laevitas.dispatch.ticks", "{tick}", "Ticks handed to instrument grains");
    public static readonly LaevitasMetric DispatchDropped = new("laevitas.dispatch.dropped", "{tick}", "Ticks dropped because too many were waiting for grains");
    public static readonly LaevitasMetric DispatchFailedCalls = new("laevitas.dispatch.failed_calls", "{call}", "Grain calls that failed and were retried");
    public static readonly LaevitasMetric DispatchSlowCalls = new("laevitas.dispatch.slow_calls", "{call}", "Grain calls unanswered after Dispatch:SlowCallAfter, whose call slot went to other instruments (a frozen or overloaded silo)");
    public static readonly LaevitasMetric DispatchHeldBack = new("laevitas.dispatch.held_back", "s", "Time the feed's connections were not read because the backlog was full (summed over connections)");
    public static readonly LaevitasMetric DispatchPaced = new("laevitas.dispatch.paced", "s", "Time the dispatcher was held to the writers' pace because they were Dispatch:PaceBacklog ticks behind");
    public static readonly LaevitasMetric DispatchPace = new("laevitas.dispatch.pace", "{tick}", "Ticks per second the dispatcher is held to while it keeps to the writers' pace (0 when it is not)");
    public static readonly LaevitasMetric DispatchPending = new("laevitas.dispatch.pending", "{tick}", "Ticks waiting for or in a grain call");

    // Instrument grains: the accept rule with redundant feeds (each tick arrives once per running feed).
    public static readonly LaevitasMetric InstrumentDuplicatesDropped = new("laevitas.instrument.duplicates_dropped", "{tick}", "Ticks an instrument grain did not publish because it had accepted the same exchange timestamp (another feed's copy)");
    public static readonly LaevitasMetric InstrumentTooOld = new("laevitas.instrument.too_old", "{tick}", "Ticks an instrument grain did not publish because they were older than its accept horizon (Instruments:AcceptHorizon): a copy, or a tick no feed delivered in time");
    public static readonly LaevitasMetric InstrumentTradeDuplicatesDropped = new("laevitas.instrument.trade_duplicates_dropped", "{trade}", "Trades an instrument grain did not publish because it had accepted the same trade_seq (another feed's copy) or it was older than every trade it remembers");
    public static readonly LaevitasMetric InstrumentLateAccepted = new("laevitas.instrument.late_accepted", "{tick}", "Ticks older than the newest accepted but never seen before, published anyway (one feed was behind the other)");
    public static readonly LaevitasMetric InstrumentStateReadsDeferred = new("laevitas.instrument.state_reads_deferred", "{activation}", "Instrument grain activations that started without their stored state because reading it failed or timed out (Instruments:StateReadTimeout); merged in once a read succeeds");
    public static readonly LaevitasMetric InstrumentStateConflicts = new("laevitas.instrument.state_conflicts", "{write}", "Instrument state writes refused because the row had changed since it was read (another activation wrote it); the grain deactivates and its next activation reads the row again");
    public static readonly LaevitasMetric InstrumentStateWriteFailures = new("laevitas.instrument.state_write_failures", "{write}", "Instrument state writes that failed (the database away) or were still going on after Instruments:StateWriteTimeout (the database not answering); each grain writes again on a later timer tick");

    // Publish: instrument grains → Kafka (and the spool while the broker is away).
    public static readonly LaevitasMetric PublishPublished = new("laevitas.publish.published", "{tick}", "Ticks acknowledged by the broker");
    public static readonly LaevitasMetric PublishSpooled = new("laevitas.publish.spooled", "{tick}", "Ticks written to the disk spool");
    public static readonly LaevitasMetric PublishDropped = new("laevitas.publish.dropped", "{tick}", "Ticks given up on (spool full, rejected, lost at shutdown)");
    public static readonly LaevitasMetric PublishDeliveryErrors = new("laevitas.publish.delivery_errors", "{tick}", "Permanent delivery failures");
    public static readonly LaevitasMetric PublishRejected = new("laevitas.publish.rejected", "{tick}", "Ticks that can never be published (above Publisher:MaxTickBytes, refused by the producer); also counted as dropped");
    public static readonly LaevitasMetric PublishBuffered = new("laevitas.publish.buffered", "{tick}", "Ticks in the producer's queue, not yet acknowledged");
    public static readonly LaevitasMetric PublishSpoolPending = new("laevitas.publish.spool.pending", "{tick}", "Ticks waiting in the disk spool");
    public static readonly LaevitasMetric PublishSpoolBytes = new("laevitas.publish.spool.bytes", "By", "Bytes waiting in the disk spool");

    // Stream: Kafka → writer.
    public static readonly LaevitasMetric StreamLag = new("laevitas.stream.lag", "{message}", "Ticks in Kafka not yet stored in PostgreSQL (high watermark minus committed offset), per partition read by this silo.");
    public static readonly LaevitasMetric StreamExpired = new("laevitas.stream.expired", "{message}", "Ticks the broker deleted (retention) before this silo's writer read them: lost.");

    // Writer: stream → PostgreSQL.
    public static readonly LaevitasMetric WriterRows = new("laevitas.writer.rows", "{row}", "Rows inserted into deribit_prices.");
    public static readonly LaevitasMetric WriterDuplicates = new("laevitas.writer.duplicates", "{row}", "Ticks already stored (replays), skipped by the primary key.");
    public static readonly LaevitasMetric WriterBatches = new("laevitas.writer.batches", "{batch}", "Tick batches stored.");
    public static readonly LaevitasMetric WriterErrors = new("laevitas.writer.errors", "{error}", "Failed attempts to store a batch (each is retried).");
    public static readonly LaevitasMetric WriterSkipped = new("laevitas.writer.skipped", "{tick}", "Unusable ticks skipped (malformed JSON, wrong types, rejected rows).");
    public static readonly LaevitasMetric WriterTradeRows = new("laevitas.writer.trade_rows", "{row}", "Rows inserted into deribit_trades (trades new to the table).");
    public static readonly LaevitasMetric WriterTradeDuplicates = new("laevitas.writer.trade_duplicates", "{row}", "Trades delivered again (replays, other feeds' copies a reactivated grain let through) and skipped by the key (currency, trade_id).");
    public static readonly LaevitasMetric WriterDeadLettered = new("laevitas.writer.dead_lettered", "{record}", "Records of the tick topic that can never be stored, set aside to the dead-letter topic (tags partition, cause).");
    public static readonly LaevitasMetric WriterBatchDuration = new("laevitas.writer.batch.duration", "ms", "Time to store one batch, from delivery to commit, retries included.");
    public static readonly LaevitasMetric WriterBatchSize = new("laevitas.writer.batch.size", "{tick}", "Ticks per delivered batch.");

    // Retention: daily partitions of market data dropped past Retention:Days.
    public static readonly LaevitasMetric RetentionDroppedPartitions = new("laevitas.retention.dropped_partitions", "{partition}", "Daily partitions dropped by retention, per table (tag table).");
    public static readonly LaevitasMetric RetentionFailures = new("laevitas.retention.failures", "{pass}", "Retention passes that failed (the next interval tries again).");

    // Settlements: Deribit's delivery prices backfilled into deribit_delivery_prices.
    public static readonly LaevitasMetric SettlementRows = new("laevitas.settlements.rows", "{row}", "Delivery prices the backfill stored in deribit_delivery_prices: new dates and prices the exchange corrected (tag change: inserted, updated); dates fetched again unchanged are not counted.");
    public static readonly LaevitasMetric SettlementCalls = new("laevitas.settlements.calls", "{call}", "public/get_delivery_prices calls the backfill made.");
    public static readonly LaevitasMetric SettlementFailures = new("laevitas.settlements.failures", "{pass}", "Settlement backfill passes that failed for at least one index (retried with backoff).");

    // HTTP API: requests refused for want of a valid key (Api:Keys).
    public static readonly LaevitasMetric ApiAuthenticationFailures = new("laevitas.api.auth_failures", "{request}", "HTTP requests refused with 401 because they carried no API key or a wrong one (tag reason: missing, invalid).");
}
