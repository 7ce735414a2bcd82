using Microsoft.Extensions.Configuration;

namespace Laevitas.Grains.Abstractions.Clustering;

/// <summary>
/// TLS on the Orleans silo and gateway connections (<c>Orleans:Tls</c>; environment <c>Orleans__Tls__CertificatePath</c>
/// ...), read the same way by silos and clients. Off while <see cref="CertificatePath"/> is empty. On, every
/// connection is mutual TLS: each side presents its certificate and accepts the other's only when it chains to a
/// certificate of <see cref="CaPath"/>. A silo or client without such a certificate cannot join.
/// </summary>
public sealed class OrleansTlsOptions
{
    public const string SectionName = "Orleans:Tls";

    /// <summary>This process's certificate: a PEM certificate (with <see cref="KeyPath"/>, or its key in the same file) or a PKCS#12 file (<c>.pfx</c>/<c>.p12</c>).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of a PEM <see cref="CertificatePath"/>, when it is in a file of its own (<c>tls.key</c> of a Kubernetes TLS Secret).</summary>
    public string? KeyPath { get; set; }

    /// <summary>Password of a PKCS#12 <see cref="CertificatePath"/>, or of an encrypted PEM key; empty when there is none.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>
    /// PEM file of the certificate authorities a peer's certificate must chain to (<c>ca.crt</c>). Only these are
    /// trusted, not the system's roots: a certificate from a public CA must not let anyone into the cluster. With a
    /// single self-signed certificate shared by every member, it is that certificate.
    /// </summary>
    public string? CaPath { get; set; }

    /// <summary>Longest a TLS handshake may take before the connection is dropped.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath);

    public static OrleansTlsOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new OrleansTlsOptions();
        configuration.GetSection(SectionName).Bind(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"Invalid Orleans TLS configuration (section '{SectionName}'): {string.Join(" ", errors)}");
        }

        return options;
    }

    /// <summary>The problems with these settings (files named but missing, half a configuration), empty when usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Enabled)
        {
            // A CA or key without a certificate is half a configuration: running without TLS would be a quiet surprise.
            if (!string.IsNullOrWhiteSpace(CaPath) || !string.IsNullOrWhiteSpace(KeyPath))
            {
                errors.Add($"{SectionName}:CaPath or KeyPath is set but {SectionName}:CertificatePath is not; set all three to turn TLS on, none to leave it off.");
            }

            return errors;
        }

        if (!File.Exists(CertificatePath))
        {
            errors.Add($"{SectionName}:CertificatePath '{CertificatePath}' does not exist.");
        }

        if (string.IsNullOrWhiteSpace(CaPath))
        {
            errors.Add($"{SectionName}:CaPath is required with a certificate: peers are accepted only when their certificate chains to it.");
        }
        else if (!File.Exists(CaPath))
        {
            errors.Add($"{SectionName}:CaPath '{CaPath}' does not exist.");
        }

        if (!string.IsNullOrWhiteSpace(KeyPath) && !File.Exists(KeyPath))
        {
            errors.Add($"{SectionName}:KeyPath '{KeyPath}' does not exist.");
        }

        if (HandshakeTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{SectionName}:HandshakeTimeout must be positive (was {HandshakeTimeout}).");
        }

        return errors;
    }
}
