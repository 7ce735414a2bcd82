namespace Laevitas.Feed;

/// <summary>How an attempt to open a WebSocket failed; decides which message the operator gets.</summary>
internal enum ConnectFailure
{
    /// <summary>DNS, TCP connect or TLS failure, or no answer in time: the endpoint is not reachable from here.</summary>
    Unreachable,

    /// <summary>The server answered the upgrade with an HTTP error (429 = too many connections from this IP).</summary>
    Rejected,

    Other,
}
