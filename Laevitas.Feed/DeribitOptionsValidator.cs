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
        }

        // The instrument.state channels are named by Kinds × Currencies even with explicit instruments, so both must
        // then be values the exchange knows as well: an unknown one is a channel it refuses, i.e. listings never seen.
        if (!o.UsesExplicitInstruments || o.InstrumentStateChannel)
        {
            ValidateMarket(errors, o);
        }

        if (o.MarketChannels().Count > o.ChannelsPerConnection && o.ChannelsPerConnection >= 1)
        {
            errors.Add($"Deribit:Kinds × Deribit:Currencies give {o.MarketChannels().Count} market-wide channels (trades with Deribit:Trades, " +
                       $"instrument.state with Deribit:InstrumentStateChannel, index channels with Deribit:IndexChannels), which share one connection: " +
                       $"more than Deribit:ChannelsPerConnection ({o.ChannelsPerConnection}).");
        }

        if (o.HeartbeatIntervalSeconds < DeribitOptions.MinimumHeartbeatSeconds)
        {
            errors.Add($"Deribit:HeartbeatIntervalSeconds must be at least {DeribitOptions.MinimumHeartbeatSeconds} (the exchange refuses less; got {o.HeartbeatIntervalSeconds}).");
        }

        if (o.MaxConnections < 1 || o.MaxConnections > DeribitOptions.ExchangeConnectionLimit - 2)
        {
            errors.Add($"Deribit:MaxConnections must be between 1 and {DeribitOptions.ExchangeConnectionLimit - 2} (the exchange allows {DeribitOptions.ExchangeConnectionLimit} per IP; discovery and other clients need the margin; got {o.MaxConnections}).");
        }

        if (o.FeedReplicas is < 1)
        {
            errors.Add($"Deribit:FeedReplicas must be at least 1 (got {o.FeedReplicas}).");
        }
        else if (((o.FeedReplicas ?? 1) + 1) * (o.MaxConnections + 1) > DeribitOptions.ExchangeConnectionLimit)
        {
            // The feed silos may well leave through one NAT address; a 33rd connection gets HTTP 429. One feed more
            // than the replicas runs while a leaving feed silo hands over.
            errors.Add($"(Deribit:FeedReplicas ({o.FeedReplicas ?? 1}) + 1 during a hand-over) × (Deribit:MaxConnections ({o.MaxConnections}) + 1 for discovery) = {((o.FeedReplicas ?? 1) + 1) * (o.MaxConnections + 1)} connections from one egress IP, more than the exchange's {DeribitOptions.ExchangeConnectionLimit}: lower one of them.");
        }

        if (o.FeedHandoverTimeoutSeconds is < 0 or > 300 || double.IsNaN(o.FeedHandoverTimeoutSeconds))
        {
            errors.Add($"Deribit:FeedHandoverTimeoutSeconds must be between 0 and 300 (got {o.FeedHandoverTimeoutSeconds}).");
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

    private static void ValidateMarket(List<string> errors, DeribitOptions o)
    {
        foreach (var currency in o.Currencies.Where(c => !DeribitOptions.KnownCurrencies.Contains(c, StringComparer.Ordinal)))
        {
            errors.Add($"Deribit:Currencies has '{currency}', which public/get_instruments does not take (it takes {string.Join(", ", DeribitOptions.KnownCurrencies)}; " +
                       "linear instruments such as SOL_USDC-PERPETUAL are found under USDC).");
        }

        if (o.Currencies.Count > 1 && o.Currencies.Contains(DeribitOptions.AnyCurrency, StringComparer.Ordinal))
        {
            errors.Add($"Deribit:Currencies has '{DeribitOptions.AnyCurrency}' with other currencies: '{DeribitOptions.AnyCurrency}' already lists every currency; use it alone.");
        }

        foreach (var kind in o.Kinds.Where(k => !KnownKinds.Contains(k, StringComparer.Ordinal)))
        {
            errors.Add($"Deribit:Kinds has unknown kind '{kind}' (known: {string.Join(", ", KnownKinds)}).");
        }
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
