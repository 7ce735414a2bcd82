namespace Laevitas.Feed;

/// <summary>A JSON-RPC request waiting for its answer; remembers the method for error reports.</summary>
internal sealed class PendingCall(string method) : TaskCompletionSource<RpcResponse>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public string Method { get; } = method;
}
