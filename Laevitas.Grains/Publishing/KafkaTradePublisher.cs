using System.Diagnostics.Metrics;
using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Grains.Abstractions.Trades;
using Laevitas.Streaming.Kafka;
using Laevitas.Streaming.Kafka.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Laevitas.Grains.Publishing;

/// <summary>
/// Publishes trades to <see cref="KafkaOptions.TradesTopic"/> through a <see cref="KafkaTickPublisher"/> of its own:
/// the same record format (key = instrument name, value = the trade object as received, timestamp = when the silo
/// read it), the same idempotent producer, bounded buffer and disk spool, so trades have exactly the tickers'
/// delivery guarantee without a second implementation of it.
/// </summary>
/// <remarks>
/// A producer and spool of its own rather than a topic per record in the tick publisher's: its spool replays strictly
/// in order through one topic, and a trade burst must not queue behind thousands of ticks (or the other way round).
/// The spool lives in <c>trades</c> under <see cref="PublisherOptions.SpoolDirectory"/>.
/// </remarks>
public sealed class KafkaTradePublisher : ITradePublisher, IAsyncDisposable
{
    public KafkaTradePublisher(
        IOptions<KafkaOptions> kafkaOptions,
        IOptions<PublisherOptions> options,
        IMeterFactory meterFactory,
        TimeProvider timeProvider,
        ILogger<KafkaTickPublisher> logger,
        IProducerQueuePurger? purger = null)
    {
        ArgumentNullException.ThrowIfNull(kafkaOptions);
        ArgumentNullException.ThrowIfNull(options);
        var tickOptions = options.Value;
        KafkaOptions = kafkaOptions.Value.WithTopic(kafkaOptions.Value.TradesTopicName);
        var tradeOptions = new PublisherOptions
        {
            SpoolDirectory = Path.Combine(tickOptions.SpoolDirectory, "trades"),
            SpoolMaxBytes = tickOptions.SpoolMaxBytes,
            SpoolSegmentBytes = tickOptions.SpoolSegmentBytes,
            BufferMaxMessages = tickOptions.BufferMaxMessages,
            BufferMaxKBytes = tickOptions.BufferMaxKBytes,
            ReplayBatchSize = tickOptions.ReplayBatchSize,
            MaxTickBytes = tickOptions.MaxTickBytes,
            ShutdownFlushTimeout = tickOptions.ShutdownFlushTimeout,
        };
        Inner = new KafkaTickPublisher(Options.Create(KafkaOptions), Options.Create(tradeOptions), meterFactory, timeProvider, logger, purger);
    }

    /// <summary>The Kafka options with <see cref="KafkaOptions.Topic"/> = the trades topic (for provisioning).</summary>
    public KafkaOptions KafkaOptions { get; }

    /// <summary>The publisher doing the work; started and stopped with the silo like the tick publisher.</summary>
    internal KafkaTickPublisher Inner { get; }

    public Task PublishAsync(IReadOnlyList<RawTrade> trades)
    {
        ArgumentNullException.ThrowIfNull(trades);
        var records = new RawTick[trades.Count];
        for (var i = 0; i < records.Length; i++)
        {
            var trade = trades[i];
            // The record a tick publisher writes is (instrument, receive time, payload); the exchange timestamp only
            // orders records taken back into the spool, where the trade's own timestamp serves as well.
            records[i] = new RawTick(trade.InstrumentName, trade.Timestamp, trade.ReceivedAtMs, trade.Payload);
        }

        return Inner.PublishAsync(records);
    }

    public PublisherStatus GetStatus() => Inner.GetStatus();

    public ValueTask DisposeAsync() => Inner.DisposeAsync();
}
