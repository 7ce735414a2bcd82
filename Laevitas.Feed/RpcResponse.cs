namespace Laevitas.Feed;

/// <summary>Answer to a JSON-RPC request: the raw <c>result</c> JSON, or the error code and message.</summary>
internal sealed record RpcResponse(byte[]? Result, int ErrorCode, string? ErrorMessage)
{
    public bool IsError => Result is null;

    public const int TooManyRequests = 10028;

    /// <summary>JSON-RPC "invalid request"; Deribit uses it for "request entity too large".</summary>
    public const int InvalidRequest = -32600;
}
