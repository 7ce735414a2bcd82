using Laevitas.DeribitSimulator.Protocol;
using Microsoft.AspNetCore.Http;

namespace Laevitas.DeribitSimulator.Hosting;

/// <summary>
/// The <c>/ws/api/v2</c> endpoint: refuses upgrades while a refusal fault is active (503/429) or when the client IP
/// already holds its connection quota (429, as the exchange), otherwise runs the connection to its end.
/// </summary>
internal sealed class WebSocketEndpoint(SimulatorExchange exchange)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (exchange.Faults.TryGetRefusal(out var status))
        {
            exchange.OnRefused();
            context.Response.StatusCode = status;
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("WebSocket upgrade expected at this endpoint.").ConfigureAwait(false);
            return;
        }

        var ip = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (!exchange.ConnectionLimiter.TryAcquire(ip))
        {
            exchange.OnRefused();
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return;
        }

        SimulatorConnection? connection = null;
        try
        {
            var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            connection = exchange.Register(ip, socket);
            await connection.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            if (connection is not null) exchange.Unregister(connection);
            else exchange.ConnectionLimiter.Release(ip);
        }
    }
}
