using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Laevitas.Feed;

/// <summary>
/// Refuses to start the silo with a feed configuration the exchange would reject or that breaks its limits,
/// and says which key to fix.
/// </summary>
internal sealed class DeribitOptionsValidator(IConfiguration? configuration) : IValidateOptions<DeribitOptions>
{
    private static readonly string[] Intervals = ["raw", "100ms", "agg2"];
    private static readonly string[] KnownKinds = ["future", "option", "spot", "future_combo", "option_combo"];

    public ValidateOptionsResult Validate(string? name, DeribitOptions o)
    {
        var errors = new List<string>();

        if (!Uri.TryCreate(o.Url, UriKind.Absolute, out var uri) || (uri.Scheme != "ws" && uri.Scheme != "wss"))
        {
            errors.Add($"Deribit:Url must be an absolute ws:// or wss:// URL (got '{o.Url}').");
        }

        if (!Intervals.Contains(o.Interval, StringComparer.Ordinal))
        {
            errors.Add($"Deribit:Interval must be one of raw, 100ms, agg2 (got '{o.Interval}').");
        }
        else if (o.Interval == "raw" && !o.HasCredentials)
        {
            errors.Add("Deribit:Interval 'raw' needs an authenticated connection: set Deribit__ClientId and Deribit__ClientSecret in the environment, or use 100ms/agg2.");
        }

        if (string.IsNullOrEmpty(o.ClientId) != string.IsNullOrEmpty(o.ClientSecret))
        {
            errors.Add("Set both Deribit__ClientId and Deribit__ClientSecret, or neither (public channels need no credentials).");
        }

        if (configuration is not null && SecretComesFromFile(configuration))
        {
            errors.Add("Deribit:ClientSecret is set in a configuration file; secrets come from the environment (Deribit__ClientSecret) or a Kubernetes secret only.");
        }

        if (!o.UsesExplicitInstruments)
        {
            if (o.Currencies.Count == 0)
            {
                errors.Add("Deribit:Currencies is empty and Deribit:Instruments is not set: nothing to follow.");
            }

            if (o.Kinds.Count == 0)
            {
                errors.Add("Deribit:Kinds is empty and Deribit:Instruments is not set: nothing to follow.");
            }

            foreach (var kind in o.Kinds.Where(k => !KnownKinds.Contains(k, StringComparer.Ordinal)))
            {
                errors.Add($"Deribit:Kinds has unknown kind '{kind}' (known: {string.Join(", ", KnownKinds)}).");
            }
        }

        if (o.HeartbeatIntervalSeconds < DeribitOptions.MinimumHeartbeatSeconds)
        {
            errors.Add($"Deribit:HeartbeatIntervalSeconds must be at least {DeribitOptions.MinimumHeartbeatSeconds} (the exchange refuses less; got {o.HeartbeatIntervalSeconds}).");
        }

        if (o.MaxConnections < 1 || o.MaxConnections > DeribitOptions.ExchangeConnectionLimit - 2)
        {
            errors.Add($"Deribit:MaxConnections must be between 1 and {DeribitOptions.ExchangeConnectionLimit - 2} (the exchange allows {DeribitOptions.ExchangeConnectionLimit} per IP; discovery and other clients need the margin; got {o.MaxConnections}).");
        }

        if (o.ChannelsPerSubscribeCall < 1)
        {
            errors.Add($"Deribit:ChannelsPerSubscribeCall must be at least 1 (got {o.ChannelsPerSubscribeCall}).");
        }

        if (o.ChannelsPerConnection < 1)
        {
            errors.Add($"Deribit:ChannelsPerConnection must be at least 1 (got {o.ChannelsPerConnection}).");
        }

        Positive(errors, o.SubscribeCallsPerSecond, nameof(o.SubscribeCallsPerSecond));
        Positive(errors, o.DiscoveryCallsPerSecond, nameof(o.DiscoveryCallsPerSecond));
        Positive(errors, o.DiscoveryRefreshSeconds, nameof(o.DiscoveryRefreshSeconds));
        Positive(errors, o.ReconnectMinDelaySeconds, nameof(o.ReconnectMinDelaySeconds));
        Positive(errors, o.ConnectTimeoutSeconds, nameof(o.ConnectTimeoutSeconds));
        Positive(errors, o.RequestTimeoutSeconds, nameof(o.RequestTimeoutSeconds));
        Positive(errors, o.CircuitBreakerOpenSeconds, nameof(o.CircuitBreakerOpenSeconds));

        if (o.DeadLinkMarginSeconds < 0)
        {
            errors.Add($"Deribit:DeadLinkMarginSeconds must not be negative (got {o.DeadLinkMarginSeconds}).");
        }

        if (o.RateLimitBackoffSeconds < 0)
        {
            errors.Add($"Deribit:RateLimitBackoffSeconds must not be negative (got {o.RateLimitBackoffSeconds}).");
        }

        if (o.ReconnectMaxDelaySeconds < o.ReconnectMinDelaySeconds)
        {
            errors.Add($"Deribit:ReconnectMaxDelaySeconds ({o.ReconnectMaxDelaySeconds}) must be at least ReconnectMinDelaySeconds ({o.ReconnectMinDelaySeconds}).");
        }

        if (o.ReconnectJitter is < 0 or > 1)
        {
            errors.Add($"Deribit:ReconnectJitter must be between 0 and 1 (got {o.ReconnectJitter}).");
        }

        if (o.CircuitBreakerFailureThreshold < 1)
        {
            errors.Add($"Deribit:CircuitBreakerFailureThreshold must be at least 1 (got {o.CircuitBreakerFailureThreshold}).");
        }

        if (o.MaxFrameBytes < 4096)
        {
            errors.Add($"Deribit:MaxFrameBytes must be at least 4096 (got {o.MaxFrameBytes}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(List<string> errors, double value, string key)
    {
        if (!(value > 0))
        {
            errors.Add($"Deribit:{key} must be greater than 0 (got {value}).");
        }
    }

    /// <summary>Environment variables and key-per-file secrets are fine; a JSON/INI/XML file would end up in the repo or the image.</summary>
    private static bool SecretComesFromFile(IConfiguration configuration) =>
        configuration is IConfigurationRoot root &&
        root.Providers.OfType<FileConfigurationProvider>()
            .Any(p => p.TryGet($"{DeribitOptions.SectionName}:{nameof(DeribitOptions.ClientSecret)}", out var v) && !string.IsNullOrEmpty(v));
}
