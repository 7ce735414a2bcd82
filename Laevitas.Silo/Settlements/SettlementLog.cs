using Microsoft.Extensions.Logging;

namespace Laevitas.Silo.Settlements;

/// <summary>Source-generated log messages of the settlement backfill (ids in <c>Laevitas.Silo</c>'s range).</summary>
internal static partial class SettlementLog
{
    [LoggerMessage(EventId = 5600, Level = LogLevel.Information, Message = "Settlement backfill is off ({Reason})")]
    public static partial void Off(ILogger logger, string reason);

    [LoggerMessage(EventId = 5601, Level = LogLevel.Information, Message = "Settlement backfill of {Indexes} from {Endpoint}: now, and after each 08:00 UTC settlement")]
    public static partial void On(ILogger logger, string indexes, string endpoint);

    [LoggerMessage(EventId = 5602, Level = LogLevel.Information, Message = "Settlements of {Index}: {Inserted} new, {Updated} corrected, newest {Newest:yyyy-MM-dd}")]
    public static partial void Stored(ILogger logger, string index, int inserted, int updated, DateOnly? newest);

    [LoggerMessage(EventId = 5603, Level = LogLevel.Information, Message = "Settlement backfill pass done ({Calls} calls, {Inserted} new, {Updated} corrected); next at {Next:yyyy-MM-dd HH:mm:ss} UTC")]
    public static partial void PassDone(ILogger logger, int calls, int inserted, int updated, DateTimeOffset next);

    [LoggerMessage(EventId = 5604, Level = LogLevel.Warning, Message = "Settlements of {Index} could not be fetched or stored: {Reason}")]
    public static partial void IndexFailed(ILogger logger, string index, string reason);

    [LoggerMessage(EventId = 5605, Level = LogLevel.Error, Message = "Settlement backfill pass failed (attempt {Attempt}); retrying in {RetryIn}")]
    public static partial void PassFailed(ILogger logger, Exception? exception, int attempt, TimeSpan retryIn);

    [LoggerMessage(EventId = 5606, Level = LogLevel.Information, Message = "The {Date:yyyy-MM-dd} delivery price of {Indexes} is not published yet; asking again in {RetryIn}")]
    public static partial void NotYetPublished(ILogger logger, DateOnly date, string indexes, TimeSpan retryIn);
}
