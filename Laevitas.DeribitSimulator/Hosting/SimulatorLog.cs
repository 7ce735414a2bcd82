using Microsoft.Extensions.Logging;

namespace Laevitas.DeribitSimulator.Hosting;

/// <summary>The simulator's log events (source-generated: some fire per connection under load tests).</summary>
internal static partial class SimulatorLog
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Deribit simulator listening on {Url} with {Instruments} instruments")]
    public static partial void Listening(ILogger logger, string url, int instruments);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Debug, Message = "Connection {ConnectionId} from {RemoteIp} opened")]
    public static partial void ConnectionOpened(ILogger logger, long connectionId, string remoteIp);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Debug, Message = "Connection {ConnectionId} from {RemoteIp} closed")]
    public static partial void ConnectionClosed(ILogger logger, long connectionId, string remoteIp);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Information, Message = "Refused a connection from {RemoteIp} with HTTP {StatusCode}")]
    public static partial void ConnectionRefused(ILogger logger, string remoteIp, int statusCode);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Information, Message = "Connection {ConnectionId}: too_many_requests (10028), ending the session")]
    public static partial void RateLimited(ILogger logger, long connectionId);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Information, Message = "Connection {ConnectionId}: test_request not answered, closing")]
    public static partial void HeartbeatTimeout(ILogger logger, long connectionId);

    [LoggerMessage(EventId = 7007, Level = LogLevel.Information, Message = "Listed {InstrumentName}")]
    public static partial void Listed(ILogger logger, string instrumentName);

    [LoggerMessage(EventId = 7008, Level = LogLevel.Information, Message = "Expired {InstrumentName}")]
    public static partial void Expired(ILogger logger, string instrumentName);

    [LoggerMessage(EventId = 7009, Level = LogLevel.Critical, Message = "The tick engine failed; no more ticks will be emitted")]
    public static partial void EngineFailed(ILogger logger, Exception exception);
}
