using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Api.Authentication;

/// <summary>Refuses at start keys that would protect little or that no client could send intact.</summary>
public sealed class ApiKeyOptionsValidator : IValidateOptions<ApiKeyOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiKeyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var key = $"{ApiKeyOptions.SectionName}:Keys";
        if (options.Keys is { } raw && raw.Length > 0 && string.IsNullOrWhiteSpace(raw))
        {
            // Almost certainly a Secret created with an empty or blank value: running open would be a silent surprise.
            failures.Add($"{key} is blank; leave it unset to run without authentication, or give one or more keys.");
        }

        var keys = options.ParsedKeys();
        for (var i = 0; i < keys.Count; i++)
        {
            // Never the key itself in the message: it ends up in logs and crash reports.
            if (keys[i].Length < ApiKeyOptions.MinimumKeyLength)
            {
                failures.Add($"{key}: key {i + 1} of {keys.Count} has {keys[i].Length} characters; at least {ApiKeyOptions.MinimumKeyLength} are required (e.g. `openssl rand -hex 32`).");
            }

            if (keys[i].Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                failures.Add($"{key}: key {i + 1} of {keys.Count} contains whitespace or control characters, which an Authorization header cannot carry intact.");
            }
        }

        if (keys.Count != keys.Distinct(StringComparer.Ordinal).Count())
        {
            failures.Add($"{key} lists the same key twice.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
