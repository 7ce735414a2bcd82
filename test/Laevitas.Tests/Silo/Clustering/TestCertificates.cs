using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Laevitas.Tests.Silo.Clustering;

/// <summary>
/// A private CA and certificates it issues, made in the test (nothing committed), written as the PEM files a Kubernetes
/// TLS Secret mounts (<c>tls.crt</c>, <c>tls.key</c>, <c>ca.crt</c>) into a temporary directory.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    private readonly X509Certificate2 authority;

    public TestCertificates(string name)
    {
        Directory = Path.Combine(Path.GetTempPath(), "laevitas-tests", "tls-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(Directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name} CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        CaPath = Path.Combine(Directory, "ca.crt");
        File.WriteAllText(CaPath, authority.ExportCertificatePem());
    }

    public string Directory { get; }

    public string CaPath { get; }

    /// <summary>A member certificate issued by this CA, for server and client authentication (each side is both).</summary>
    public (string CertificatePath, string KeyPath) Issue(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var serial = new byte[12];
        RandomNumberGenerator.Fill(serial);
        using var certificate = request.Create(authority, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(12), serial);
        var certificatePath = Path.Combine(Directory, name + ".crt");
        var keyPath = Path.Combine(Directory, name + ".key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    /// <summary>The <c>Orleans:Tls</c> settings of a member holding a certificate of this CA.</summary>
    public Dictionary<string, string?> Settings(string name)
    {
        var (certificate, key) = Issue(name);
        return new()
        {
            ["Orleans:Tls:CertificatePath"] = certificate,
            ["Orleans:Tls:KeyPath"] = key,
            ["Orleans:Tls:CaPath"] = CaPath,
            ["Orleans:Tls:HandshakeTimeout"] = "00:00:05",
        };
    }

    public void Dispose()
    {
        authority.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
