namespace Laevitas.Silo.Api.Authentication;

/// <summary>Says once, at start, whether the HTTP API is protected: an open API should never be a surprise.</summary>
internal sealed partial class ApiAuthenticationAnnouncer(ApiKeyVerifier verifier, ILogger<ApiAuthenticationAnnouncer> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (verifier.Enabled)
        {
            LogProtected(logger, verifier.KeyCount);
        }
        else
        {
            LogOpen(logger);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 5401, Level = LogLevel.Information, Message = "HTTP API protected: /api, /openapi and /dashboard need one of {KeyCount} API key(s) (Api:Keys); /health/live, /health/ready and /metrics stay open")]
    private static partial void LogProtected(ILogger logger, int keyCount);

    [LoggerMessage(EventId = 5402, Level = LogLevel.Warning, Message = "HTTP API NOT protected: no Api:Keys configured, so /api, /openapi and /dashboard answer anyone who reaches the port")]
    private static partial void LogOpen(ILogger logger);
}
