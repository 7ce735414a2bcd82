namespace Laevitas.DeribitSimulator.Protocol;

/// <summary>
/// A JSON-RPC error as Deribit returns it: <c>{"code":…,"message":…,"data":{"reason":…,"param":…}}</c>
/// (<c>data</c> only when there is something to say).
/// </summary>
internal sealed record RpcError(int Code, string Message, string? Reason = null, string? Param = null)
{
    public static readonly RpcError ParseError = new(-32700, "Parse error");
    public static readonly RpcError MethodNotFound = new(-32601, "Method not found");
    public static readonly RpcError EntityTooLarge = new(-32600, "request entity too large");
    public static readonly RpcError TooManyRequests = new(10028, "too_many_requests");
    public static readonly RpcError InvalidCredentials = new(13004, "invalid_credentials");
    public static readonly RpcError Unauthorized = new(13009, "unauthorized");
    public static readonly RpcError RawUnauthorized = new(13778, "raw_subscriptions_not_available_for_unauthorized");

    public static RpcError InvalidParams(string param, string reason) => new(-32602, "Invalid params", reason, param);
}
