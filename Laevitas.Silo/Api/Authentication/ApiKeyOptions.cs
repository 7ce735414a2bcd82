namespace Laevitas.Silo.Api.Authentication;

/// <summary>
/// The keys that open the HTTP API, OpenAPI description and dashboard (<c>Api:Keys</c>, environment <c>Api__Keys</c>).
/// Several, comma-separated, so that a key can be rotated without a moment when no key works: add the new one, roll
/// the silos, move the callers, remove the old one. Empty (the default, and <c>./run.sh</c>): no key is asked for.
/// </summary>
public sealed class ApiKeyOptions
{
    public const string SectionName = "Api";

    /// <summary>Shortest key accepted: a short key can be guessed online, and nothing limits the attempts but the network.</summary>
    public const int MinimumKeyLength = 16;

    /// <summary>Comma-separated keys; each one alone opens the API. Whitespace around a comma is ignored.</summary>
    public string? Keys { get; set; }

    /// <summary>The configured keys, split and trimmed; empty when authentication is off.</summary>
    public IReadOnlyList<string> ParsedKeys() =>
        string.IsNullOrWhiteSpace(Keys)
            ? []
            : Keys.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
