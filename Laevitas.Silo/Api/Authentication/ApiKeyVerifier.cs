using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Api.Authentication;

/// <summary>
/// Tells a configured key from any other string in constant time: both sides are hashed (SHA-256) and the digests
/// compared with <see cref="CryptographicOperations.FixedTimeEquals"/>, against every configured key without stopping
/// at a match, so neither the length of a key, how many leading characters a guess got right, nor which of the keys
/// matched shows in the response time.
/// </summary>
public sealed class ApiKeyVerifier
{
    private readonly byte[][] digests;

    public ApiKeyVerifier(IOptions<ApiKeyOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        digests = [.. options.Value.ParsedKeys().Select(Digest)];
    }

    /// <summary>False when no key is configured: every request is let through.</summary>
    public bool Enabled => digests.Length > 0;

    public int KeyCount => digests.Length;

    public bool IsValid(string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        if (!Enabled)
        {
            return true;
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), digest);
        var match = false;
        foreach (var expected in digests)
        {
            match |= CryptographicOperations.FixedTimeEquals(digest, expected);
        }

        return match;
    }

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
