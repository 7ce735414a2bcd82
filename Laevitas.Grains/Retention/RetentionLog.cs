using Microsoft.Extensions.Logging;

namespace Laevitas.Grains.Retention;

/// <summary>Source-generated log messages of partition retention.</summary>
internal static partial class RetentionLog
{
    [LoggerMessage(EventId = 3200, Level = LogLevel.Information, Message = "Retention is off (Retention:Days = 0): market data is kept for ever")]
    public static partial void Off(ILogger logger);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Retention keeps {Days} days of market data: daily partitions are dropped once all of their day is older, checked every {Interval}")]
    public static partial void On(ILogger logger, int days, TimeSpan interval);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "Retention dropped partition {Partition} of {Table} (day {Day:yyyy-MM-dd}, older than the {Days} days kept)")]
    public static partial void Dropped(ILogger logger, string partition, string table, DateOnly day, int days);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Debug, Message = "Retention pass skipped: another silo holds the retention lock")]
    public static partial void Skipped(ILogger logger);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Error, Message = "Retention pass failed; the next one runs in {Interval}")]
    public static partial void Failed(ILogger logger, Exception exception, TimeSpan interval);
}
