namespace Laevitas.Silo.Dispatch;

/// <summary>Source-generated log events of the dispatcher (<see cref="GrainTickSink"/>), written under its category.</summary>
internal static partial class DispatchLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "{MaxPending} ticks are waiting for instrument grains: dropped tick {Instrument} @ {Timestamp}; {Count} dropped since the last report, {Total} in all")]
    public static partial void BacklogFull(ILogger logger, string instrument, long timestamp, int maxPending, long count, long total);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Handing {Count} ticks to instrument {Instrument} failed; retrying in {RetryDelay} ({Failures} failures since the last report)")]
    public static partial void CallFailed(ILogger logger, Exception exception, string instrument, int count, TimeSpan retryDelay, long failures);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "{Count} grain calls unanswered after {SlowCallAfter} gave their call slots to other instruments (a frozen or overloaded silo?); {Total} since start")]
    public static partial void SlowCalls(ILogger logger, int count, TimeSpan slowCallAfter, long total);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Updating the instrument registry with {Count} instruments failed")]
    public static partial void RegistryFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Passing a listing change to instrument {Instrument} failed ({Failures} failures since the last report)")]
    public static partial void ListingFailed(ILogger logger, Exception exception, string instrument, long failures);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Information, Message = "{Count} instruments listed with their grains and the registry")]
    public static partial void Listed(ILogger logger, int count);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Information, Message = "{Count} instruments marked delisted")]
    public static partial void Delisted(ILogger logger, int count);

    // The pace is under what the writers store (WriterPace), and 1 tick/s while they have stored nothing yet.
    [LoggerMessage(EventId = 5011, Level = LogLevel.Warning, Message = "Writers are {Backlog} ticks behind (Dispatch:PaceBacklog {Bound}) and falling further behind: " +
                                                        "handing ticks to grains at {Pace:0} ticks/s, under what they store; what the exchange sends beyond it is held back, then dropped and counted")]
    public static partial void PaceStarted(ILogger logger, long backlog, long bound, double pace);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Information, Message = "Writers are {Backlog} ticks behind: dispatch no longer held to their pace (held {Held} in all)")]
    public static partial void PaceEnded(ILogger logger, long backlog, TimeSpan held);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Error, Message = "{Count} ticks had not reached their grains {Timeout} after stopping began and are lost")]
    public static partial void Undelivered(ILogger logger, long count, TimeSpan timeout);
}
