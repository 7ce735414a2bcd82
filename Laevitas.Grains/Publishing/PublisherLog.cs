using Microsoft.Extensions.Logging;
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace Laevitas.Grains.Publishing;

/// <summary>The tick publisher's log events (2201-2221, Laevitas.Grains' publishing range), written under the <see cref="KafkaTickPublisher"/> category.</summary>
internal static partial class PublisherLog
{
    [LoggerMessage(EventId = 2211, Level = LogLevel.Information, Message = "Publishing ticks to Kafka topic {Topic} at {BootstrapServers}; spool in {SpoolDirectory}")]
    public static partial void Started(ILogger logger, string topic, string bootstrapServers, string spoolDirectory);

    [LoggerMessage(EventId = 2212, Level = LogLevel.Warning, Message = "Kafka producer queue is full ({Buffered} ticks waiting for the broker); new ticks go to the disk spool in {SpoolDirectory}")]
    public static partial void SpoolingStarted(ILogger logger, long buffered, string spoolDirectory);

    [LoggerMessage(EventId = 2213, Level = LogLevel.Information, Message = "Disk spool replayed; ticks go straight to the producer again ({Spooled} spooled since start)")]
    public static partial void SpoolReplayed(ILogger logger, long spooled);

    [LoggerMessage(EventId = 2214, Level = LogLevel.Error, Message = "Tick spool is full ({SpoolMaxBytes} bytes): dropped tick {Instrument} @ {Timestamp}; {Count} dropped since the last report, {Total} in all")]
    public static partial void SpoolFull(ILogger logger, string instrument, long timestamp, long spoolMaxBytes, long count, long total);

    [LoggerMessage(EventId = 2206, Level = LogLevel.Error, Message = "Tick spool could not write ({Error}): dropped tick {Instrument} @ {Timestamp}; {Count} dropped since the last report, {Total} in all")]
    public static partial void SpoolWriteFailed(ILogger logger, string instrument, long timestamp, string error, long count, long total);

    [LoggerMessage(EventId = 2215, Level = LogLevel.Error, Message = "Kafka rejected tick of {Instrument}: {Code} {Reason}; {Count} failures since the last report")]
    public static partial void DeliveryFailed(ILogger logger, string? instrument, ErrorCode code, string reason, long count);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Error, Message = "Tick {Instrument} @ {Timestamp} can never be published ({Code}: {Reason}) and is dropped; {Count} since the last report, {Total} in all")]
    public static partial void Rejected(ILogger logger, string instrument, long timestamp, ErrorCode code, string reason, long count, long total);

    [LoggerMessage(EventId = 2216, Level = LogLevel.Warning, Message = "Kafka client error {Code}: {Reason} (fatal: {Fatal}); {Count} errors since the last report")]
    public static partial void ClientError(ILogger logger, ErrorCode code, string reason, bool fatal, long count);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "Kafka producer replaced after a fatal error; {TakenBack} ticks it held were taken back into the spool, {Lost} lost")]
    public static partial void ProducerRecreated(ILogger logger, int takenBack, int lost);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Warning, Message = "Kafka has acknowledged nothing for over {LagMs} ms ({Buffered} ticks waiting); new ticks go to the disk spool in {SpoolDirectory} and count as safe once fsynced there")]
    public static partial void SpoolingForLag(ILogger logger, long lagMs, long buffered, string spoolDirectory);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Warning, Message = "{Count} ticks the producer held could not be taken back into the spool; they wait for the broker in memory")]
    public static partial void TakeBackIncomplete(ILogger logger, int count);

    [LoggerMessage(EventId = 2205, Level = LogLevel.Error, Message = "{Count} ticks taken back from the producer could not be written to the spool; {Lost} of them are lost, the others wait in the producer again")]
    public static partial void TakeBackFailed(ILogger logger, int count, int lost, Exception exception);

    [LoggerMessage(EventId = 2217, Level = LogLevel.Error, Message = "Tick spool replay failed; spooled ticks stay on disk")]
    public static partial void ReplayFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2218, Level = LogLevel.Error, Message = "{Count} ticks were still waiting for the broker after {Timeout} at shutdown and are lost")]
    public static partial void LostAtShutdown(ILogger logger, int count, TimeSpan timeout);

    [LoggerMessage(EventId = 2219, Level = LogLevel.Warning, Message = "{Count} ticks the broker had not acknowledged were taken back from the producer into the spool in {SpoolDirectory}; they are published from there first")]
    public static partial void TakenBack(ILogger logger, int count, string spoolDirectory);

    // Names the topic: a silo runs two of these (ticks, and trades through KafkaTradePublisher), stopped in no set order.
    [LoggerMessage(EventId = 2220, Level = LogLevel.Information, Message = "Tick publisher for {Topic} stopped: {SpoolPending} ticks left in the spool, {Published} published, {Dropped} dropped")]
    public static partial void Stopped(ILogger logger, string topic, long spoolPending, long published, long dropped);

    [LoggerMessage(EventId = 2221, Level = LogLevel.Debug, Message = "librdkafka {Level} {Facility}: {Message}")]
    public static partial void Client(ILogger logger, string level, string facility, string message);
}
