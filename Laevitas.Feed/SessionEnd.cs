namespace Laevitas.Feed;

/// <summary>Why a WebSocket session ended.</summary>
public enum SessionEnd
{
    None,
    Stopping,
    ClosedByServer,
    ConnectionError,
    DeadLink,
    RateLimited,
    RequestTimeout,
    AuthFailed,
    SetupFailed,
}
