using Laevitas.Grains.Abstractions.Clustering;

namespace Laevitas.Silo.Clustering;

/// <summary>Says once, at start, whether the silo and gateway ports require TLS, and with which certificate.</summary>
internal sealed partial class OrleansTlsAnnouncer(IServiceProvider services, ILogger<OrleansTlsAnnouncer> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<OrleansTlsCertificates>() is { } tls)
        {
            LogOn(logger, tls.Local.Subject, tls.Local.Thumbprint, tls.Local.NotAfter.ToUniversalTime(), string.Join("; ", tls.Authorities.Select(a => a.Subject)));
        }
        else
        {
            LogOff(logger);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 5501, Level = LogLevel.Information, Message = "Orleans TLS on: silo and gateway connections are mutual TLS with certificate {Subject} ({Thumbprint}, valid until {NotAfter:u}); peers must present a certificate issued by {Authorities}")]
    private static partial void LogOn(ILogger logger, string subject, string thumbprint, DateTime notAfter, string authorities);

    [LoggerMessage(EventId = 5502, Level = LogLevel.Warning, Message = "Orleans TLS off (no Orleans:Tls:CertificatePath): the silo and gateway ports accept any peer that reaches them")]
    private static partial void LogOff(ILogger logger);
}
