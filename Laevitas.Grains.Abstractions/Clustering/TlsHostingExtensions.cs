using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Connections.Security;
using Orleans.Hosting;

namespace Laevitas.Grains.Abstractions.Clustering;

/// <summary>
/// Mutual TLS on Orleans' connections from <c>Orleans:Tls</c>, for silos (silo-to-silo both ways, and the gateway) and
/// clients (to the gateway). Nothing is added when no certificate is configured.
/// </summary>
public static class TlsHostingExtensions
{
    public static ISiloBuilder UseLaevitasTls(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var options = OrleansTlsOptions.FromConfiguration(configuration);
        if (!options.Enabled)
        {
            return silo;
        }

        var certificates = OrleansTlsCertificates.Load(options);
        silo.Services.AddSingleton(certificates);
        return silo.UseTls(certificates.Local, tls => Configure(tls, options, certificates));
    }

    public static IClientBuilder UseLaevitasTls(this IClientBuilder client, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(client);
        var options = OrleansTlsOptions.FromConfiguration(configuration);
        if (!options.Enabled)
        {
            return client;
        }

        var certificates = OrleansTlsCertificates.Load(options);
        return client.UseTls(certificates.Local, tls => Configure(tls, options, certificates));
    }

    private static void Configure(TlsOptions tls, OrleansTlsOptions options, OrleansTlsCertificates certificates)
    {
        // Both directions require a certificate: inbound (silo and gateway ports) refuse a peer without one, outbound
        // (silo to silo, client to gateway) always presents ours. Trust is the configured CA only.
        tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.RemoteCertificateValidation = certificates.Validate;
        tls.HandshakeTimeout = options.HandshakeTimeout;
    }
}
