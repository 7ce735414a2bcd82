using Microsoft.Extensions.Logging;

namespace Laevitas.DeribitSimulator.Hosting;

/// <summary>The simulator's log events (source-generated: some fire per connection under load tests).</summary>
internal static partial class SimulatorLog
{
    [LoggerMessage(1, LogLevel.Information, "Deribit simulator listening on {Url} with {Instruments} instruments")]
    public static partial void Listening(ILogger logger, string url, int instruments);

    [LoggerMessage(2, LogLevel.Debug, "Connection {ConnectionId} from {RemoteIp} opened")]
    public static partial void ConnectionOpened(ILogger logger, long connectionId, string remoteIp);

    [LoggerMessage(3, LogLevel.Debug, "Connection {ConnectionId} from {RemoteIp} closed")]
    public static partial void ConnectionClosed(ILogger logger, long connectionId, string remoteIp);

    [LoggerMessage(4, LogLevel.Information, "Refused a connection from {RemoteIp} with HTTP {StatusCode}")]
    public static partial void ConnectionRefused(ILogger logger, string remoteIp, int statusCode);

    [LoggerMessage(5, LogLevel.Information, "Connection {ConnectionId}: too_many_requests (10028), ending the session")]
    public static partial void RateLimited(ILogger logger, long connectionId);

    [LoggerMessage(6, LogLevel.Information, "Connection {ConnectionId}: test_request not answered, closing")]
    public static partial void HeartbeatTimeout(ILogger logger, long connectionId);

    [LoggerMessage(7, LogLevel.Information, "Listed {InstrumentName}")]
    public static partial void Listed(ILogger logger, string instrumentName);

    [LoggerMessage(8, LogLevel.Information, "Expired {InstrumentName}")]
    public static partial void Expired(ILogger logger, string instrumentName);

    [LoggerMessage(9, LogLevel.Critical, "The tick engine failed; no more ticks will be emitted")]
    public static partial void EngineFailed(ILogger logger, Exception exception);
}
