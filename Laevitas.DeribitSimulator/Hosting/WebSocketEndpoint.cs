using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Laevitas.DeribitSimulator.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Laevitas.DeribitSimulator.Hosting;

/// <summary>
/// The <c>/ws/api/v2</c> endpoint: refuses upgrades while a refusal fault is active (503/429) or when the client IP
/// already holds its connection quota (429, as the exchange), otherwise runs the connection to its end.
/// </summary>
internal sealed class WebSocketEndpoint(SimulatorExchange exchange)
{
    private const string HandshakeGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    public async Task InvokeAsync(HttpContext context)
    {
        var ip = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (exchange.Faults.TryGetRefusal(out var status))
        {
            exchange.OnRefused(ip, status);
            context.Response.StatusCode = status;
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("WebSocket upgrade expected at this endpoint.").ConfigureAwait(false);
            return;
        }

        if (!exchange.ConnectionLimiter.TryAcquire(ip))
        {
            exchange.OnRefused(ip, StatusCodes.Status429TooManyRequests);
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return;
        }

        SimulatorConnection? connection = null;
        try
        {
            var (socket, stream) = await UpgradeAsync(context).ConfigureAwait(false);
            connection = exchange.Register(ip, socket, stream);
            await connection.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            if (connection is not null) exchange.Unregister(connection);
            else exchange.ConnectionLimiter.Release(ip);
        }
    }

    /// <summary>
    /// The RFC 6455 handshake done here rather than by AcceptWebSocketAsync, so the WebSocket runs over a
    /// <see cref="CoalescingWriteStream"/> (batched writes) instead of flushing every message on its own.
    /// </summary>
    private static async Task<(WebSocket Socket, CoalescingWriteStream Stream)> UpgradeAsync(HttpContext context)
    {
        var key = context.Request.Headers["Sec-WebSocket-Key"].ToString();
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + HandshakeGuid)));
        context.Response.Headers.Connection = "Upgrade";
        context.Response.Headers.Upgrade = "websocket";
        context.Response.Headers["Sec-WebSocket-Accept"] = accept;
        var upgrade = context.Features.Get<IHttpUpgradeFeature>()
            ?? throw new InvalidOperationException("The server does not support HTTP/1.1 upgrades.");
        var opaque = await upgrade.UpgradeAsync().ConfigureAwait(false);
        var stream = new CoalescingWriteStream(opaque);
        var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        return (socket, stream);
    }
}
