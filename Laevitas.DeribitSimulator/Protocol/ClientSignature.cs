using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Laevitas.DeribitSimulator.Protocol;

/// <summary>
/// <c>public/auth</c> with grant_type <c>client_signature</c>: the client proves it holds the secret with
/// HMAC-SHA256(secret, "{timestamp}\n{nonce}\n{data}") in lower-case hex, as the exchange specifies.
/// </summary>
internal static class ClientSignature
{
    private static readonly TimeSpan MaxSkew = TimeSpan.FromSeconds(60);

    /// <summary>The client_id when the signature checks out, otherwise null.</summary>
    public static string? Verify(JsonElement parameters, IEnumerable<SimulatorCredential> credentials)
    {
        if (parameters.ValueKind != JsonValueKind.Object
            || !parameters.TryGetProperty("client_id", out var idElement) || idElement.ValueKind != JsonValueKind.String
            || !parameters.TryGetProperty("timestamp", out var timestampElement) || !timestampElement.TryGetInt64(out var timestamp)
            || !parameters.TryGetProperty("signature", out var signatureElement) || signatureElement.ValueKind != JsonValueKind.String
            || !parameters.TryGetProperty("nonce", out var nonceElement) || nonceElement.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var skew = TimeSpan.FromMilliseconds(Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - timestamp));
        if (skew > MaxSkew) return null;
        var clientId = idElement.GetString();
        var credential = credentials.FirstOrDefault(c => c.ClientId == clientId);
        if (credential is null) return null;
        var data = parameters.TryGetProperty("data", out var dataElement) && dataElement.ValueKind == JsonValueKind.String ? dataElement.GetString() : "";
        var expected = Sign(credential.ClientSecret, timestamp, nonceElement.GetString()!, data ?? "");
        var given = signatureElement.GetString()!;
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(given.ToLowerInvariant()))
            ? clientId
            : null;
    }

    public static string Sign(string secret, long timestamp, string nonce, string data)
    {
        var payload = Encoding.UTF8.GetBytes($"{timestamp}\n{nonce}\n{data}");
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), payload));
    }
}
