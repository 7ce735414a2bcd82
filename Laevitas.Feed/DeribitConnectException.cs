namespace Laevitas.Feed;

/// <summary>Opening a WebSocket to the exchange failed.</summary>
internal sealed class DeribitConnectException(ConnectFailure failure, string reason, Exception? inner)
    : Exception(reason, inner)
{
    public ConnectFailure Failure { get; } = failure;
}
