using Microsoft.Extensions.Logging;

namespace Laevitas.Feed;

/// <summary>Source-generated log messages of the Deribit feed (some sit on the receive path).</summary>
internal static partial class FeedLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Error,
        Message = "Cannot reach the Deribit endpoint {Endpoint} ({Reason}). The feed keeps retrying with backoff behind a circuit breaker. " +
                  "To run without the live exchange, use the simulator: ./run.sh --simulator, or start it with " +
                  "`dotnet run --project Laevitas.DeribitSimulator -- --port 9000` and set Deribit__Url=ws://127.0.0.1:9000/ws/api/v2")]
    public static partial void EndpointUnreachable(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "{Connection}: connecting to {Endpoint} failed: {Reason}; retrying in {DelaySeconds:0.###} s")]
    public static partial void ConnectFailed(ILogger logger, string connection, string endpoint, string reason, double delaySeconds);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "{Connection}: connected to {Endpoint} (heartbeat {HeartbeatSeconds} s, authenticated {Authenticated})")]
    public static partial void Connected(ILogger logger, string connection, string endpoint, int heartbeatSeconds, bool authenticated);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "{Connection}: {Channels} channels subscribed ({Calls} calls, {ElapsedMs} ms)")]
    public static partial void Subscribed(ILogger logger, string connection, int channels, int calls, long elapsedMs);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "{Connection}: session ended ({Reason}: {Detail}); reconnecting in {DelaySeconds:0.###} s and resubscribing {Channels} channels")]
    public static partial void SessionEnded(ILogger logger, string connection, SessionEnd reason, string detail, double delaySeconds, int channels);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "{Connection}: Deribit answered 10028 too_many_requests to {Method}; the exchange ends the session, backing off")]
    public static partial void RateLimited(ILogger logger, string connection, string method);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Error,
        Message = "{Connection}: Deribit rejected the API credentials (Deribit__ClientId / Deribit__ClientSecret): error {Code} {ErrorMessage}. " +
                  "Fix them in the environment; {Consequence}")]
    public static partial void AuthFailed(ILogger logger, string connection, int code, string errorMessage, string consequence);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "Deribit circuit breaker for {Endpoint} opened after {Failures} consecutive failures; next attempt in {OpenSeconds:0.###} s")]
    public static partial void CircuitOpened(ILogger logger, string endpoint, int failures, double openSeconds);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Information, Message = "Deribit circuit breaker for {Endpoint} half-open: probing with one connection")]
    public static partial void CircuitHalfOpen(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Information, Message = "Deribit circuit breaker for {Endpoint} closed: endpoint reachable again")]
    public static partial void CircuitClosed(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "{Connection}: dropped an unusable message ({Problem}); {Suppressed} more dropped since the last report, {Total} in all. Starts with: {Excerpt}")]
    public static partial void UnusableMessage(ILogger logger, string connection, FrameProblem problem, long suppressed, long total, string excerpt);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Error, Message = "The tick sink threw on a tick for {Instrument}; {Suppressed} more since the last report, {Total} in all")]
    public static partial void SinkFailed(ILogger logger, Exception exception, string instrument, long suppressed, long total);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "{Connection}: no message for {SilentSeconds:0.#} s (heartbeat {HeartbeatSeconds} s); the link is dead, replacing it")]
    public static partial void DeadLink(ILogger logger, string connection, double silentSeconds, int heartbeatSeconds);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Information, Message = "Deribit discovery: {Total} instruments followed ({Added} new, {Removed} delisted)")]
    public static partial void DiscoveryApplied(ILogger logger, int total, int added, int removed);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Error, Message = "Deribit:Instruments lists {Count} instrument(s) the exchange does not list; they are not followed: {Names}")]
    public static partial void UnknownInstruments(ILogger logger, int count, string names);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Warning, Message = "Deribit discovery failed: {Reason}; retrying in {DelaySeconds:0.###} s")]
    public static partial void DiscoveryFailed(ILogger logger, string reason, double delaySeconds);

    [LoggerMessage(EventId = 3016, Level = LogLevel.Warning, Message = "{Connection}: {Method} rejected {Count} channel(s) ({Code} {ErrorMessage}), e.g. {Example}")]
    public static partial void ChannelsRejected(ILogger logger, string connection, string method, int count, int code, string errorMessage, string example);

    [LoggerMessage(EventId = 3017, Level = LogLevel.Information, Message = "{Connection}: subscribe request of {Count} channels too large for the exchange; splitting it")]
    public static partial void SplittingSubscribe(ILogger logger, string connection, int count);

    [LoggerMessage(EventId = 3018, Level = LogLevel.Warning, Message = "Deribit feed follows {Channels} channels, more than {MaxConnections} connections x {PerConnection} channels; connections carry more than configured")]
    public static partial void OverCapacity(ILogger logger, int channels, int maxConnections, int perConnection);

    [LoggerMessage(EventId = 3019, Level = LogLevel.Information, Message = "Deribit feed starting: {Endpoint}, interval {Interval}, {Source}")]
    public static partial void Starting(ILogger logger, string endpoint, string interval, string source);

    [LoggerMessage(EventId = 3020, Level = LogLevel.Error, Message = "The tick sink threw while handling a listing change")]
    public static partial void SinkListingFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3022, Level = LogLevel.Error, Message = "{Component}: unexpected failure; carrying on")]
    public static partial void Unexpected(ILogger logger, Exception exception, string component);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Information, Message = "{Connection}: {Count} channels unsubscribed")]
    public static partial void Unsubscribed(ILogger logger, string connection, int count);

    [LoggerMessage(EventId = 3023, Level = LogLevel.Debug, Message = "Deribit {Channel}: {Instrument} {State}")]
    public static partial void ListingEvent(ILogger logger, string instrument, string state, string channel);

    [LoggerMessage(EventId = 3024, Level = LogLevel.Information,
        Message = "Deribit instrument.state: {Total} instruments followed ({Added} new, {NotActive} listed but not yet active, {Removed} ended)")]
    public static partial void ListingsApplied(ILogger logger, int total, int added, int notActive, int removed);

    [LoggerMessage(EventId = 3025, Level = LogLevel.Warning, Message = "Deribit instrument.state: looking up {Count} new listing(s) failed ({Reason}); the next discovery poll follows them")]
    public static partial void ListingLookupFailed(ILogger logger, int count, string reason);
}
