using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Laevitas.Grains.Abstractions.Clustering;

/// <summary>The certificate this process presents and the authorities it trusts, loaded from the files <see cref="OrleansTlsOptions"/> names.</summary>
public sealed class OrleansTlsCertificates
{
    private OrleansTlsCertificates(X509Certificate2 local, X509Certificate2Collection authorities)
    {
        Local = local;
        Authorities = authorities;
    }

    public X509Certificate2 Local { get; }

    public X509Certificate2Collection Authorities { get; }

    public static OrleansTlsCertificates Load(OrleansTlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = options.CertificatePath!;
        var password = string.IsNullOrEmpty(options.CertificatePassword) ? null : options.CertificatePassword;
        X509Certificate2 local;
        try
        {
            local = IsPkcs12(path)
                ? X509CertificateLoader.LoadPkcs12FromFile(path, password)
                : LoadPem(path, options.KeyPath, password);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or ArgumentException or IOException)
        {
            throw new InvalidOperationException($"{OrleansTlsOptions.SectionName}: cannot load the certificate '{path}': {ex.Message}", ex);
        }

        if (!local.HasPrivateKey)
        {
            throw new InvalidOperationException($"{OrleansTlsOptions.SectionName}: the certificate '{path}' has no private key (set {OrleansTlsOptions.SectionName}:KeyPath).");
        }

        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(options.CaPath!);
        if (authorities.Count == 0)
        {
            throw new InvalidOperationException($"{OrleansTlsOptions.SectionName}:CaPath '{options.CaPath}' holds no PEM certificate.");
        }

        return new OrleansTlsCertificates(local, authorities);
    }

    /// <summary>
    /// True when <paramref name="peer"/> chains to one of <see cref="Authorities"/> (and only those: the system's roots
    /// do not count) and is within its validity period. The host name is not checked: silos and clients reach each
    /// other by pod IP, which no certificate of a Deployment can name, so possession of a certificate from the
    /// cluster's own CA is what admits a peer.
    /// </summary>
    public bool IsTrusted(X509Certificate2 peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Authorities);
        // A private CA publishes no revocation lists; rotate by replacing the CA or the Secret instead.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(peer);
    }

    /// <summary>The callback Orleans' TLS middleware calls on both sides of every connection.</summary>
    public bool Validate(X509Certificate2 certificate, X509Chain? chain, SslPolicyErrors errors) => IsTrusted(certificate);

    private static bool IsPkcs12(string path) =>
        path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);

    private static X509Certificate2 LoadPem(string certificatePath, string? keyPath, string? password)
    {
        var pem = password is null
            ? X509Certificate2.CreateFromPemFile(certificatePath, string.IsNullOrWhiteSpace(keyPath) ? null : keyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(certificatePath, password, string.IsNullOrWhiteSpace(keyPath) ? null : keyPath);
        using (pem)
        {
            // A PEM key is ephemeral; SslStream wants a key it can use for the handshake on every platform: round-trip
            // through PKCS#12, the form every platform's TLS stack takes.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
    }
}
