namespace Laevitas.Feed;

/// <summary>
/// Configuration section <c>Deribit</c>. Lists are comma-separated strings (<c>Deribit__Currencies=BTC,ETH</c>)
/// or JSON arrays; <see cref="DeribitOptionsBinder"/> reads both. Defaults respect the exchange's documented
/// limits; tests lower the delays, never the limits' meaning.
/// </summary>
public sealed class DeribitOptions
{
    public const string SectionName = "Deribit";

    /// <summary>Deribit's documented cap is 32 connections (HTTP + WebSocket) per IP; keep a margin.</summary>
    public const int ExchangeConnectionLimit = 32;

    /// <summary>The exchange rejects heartbeat intervals below 10 s.</summary>
    public const int MinimumHeartbeatSeconds = 10;

    /// <summary>WebSocket JSON-RPC endpoint.</summary>
    public string Url { get; set; } = "wss://www.deribit.com/ws/api/v2";

    /// <summary>Currencies whose instruments are discovered with <c>public/get_instruments</c>.</summary>
    public IReadOnlyList<string> Currencies { get; set; } = ["BTC", "ETH"];

    /// <summary>Instrument kinds to follow (<c>future</c> includes perpetuals).</summary>
    public IReadOnlyList<string> Kinds { get; set; } = ["option", "future"];

    /// <summary>Explicit instrument names; when not empty they replace discovery by currency and kind.</summary>
    public IReadOnlyList<string> Instruments { get; set; } = [];

    /// <summary>Ticker interval: <c>raw</c> (needs credentials), <c>100ms</c> or <c>agg2</c>.</summary>
    public string Interval { get; set; } = "100ms";

    /// <summary>API client id; from the environment (<c>Deribit__ClientId</c>) or a secret only.</summary>
    public string? ClientId { get; set; }

    /// <summary>API client secret; from the environment (<c>Deribit__ClientSecret</c>) or a secret only. Never logged.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Channels per <c>public/subscribe</c> call. Larger requests fail with -32600 "request entity too large".</summary>
    public int ChannelsPerSubscribeCall { get; set; } = 200;

    /// <summary>Channels one WebSocket connection carries before the feed opens another.</summary>
    public int ChannelsPerConnection { get; set; } = 1000;

    /// <summary>Most ticker connections the feed opens (discovery uses one more, briefly).</summary>
    public int MaxConnections { get; set; } = 8;

    /// <summary>Subscribe/unsubscribe calls per second over all connections (the exchange sustains ~3.3).</summary>
    public double SubscribeCallsPerSecond { get; set; } = 3;

    /// <summary><c>public/get_instruments</c> calls per second (the exchange sustains 1).</summary>
    public double DiscoveryCallsPerSecond { get; set; } = 1;

    /// <summary>Heartbeat interval asked with <c>public/set_heartbeat</c>, seconds (at least 10).</summary>
    public int HeartbeatIntervalSeconds { get; set; } = 15;

    /// <summary>A connection with no message for heartbeat interval + this margin is dead and is replaced.</summary>
    public double DeadLinkMarginSeconds { get; set; } = 5;

    /// <summary>How often instruments are rediscovered (new listings subscribed, expired ones dropped).</summary>
    public double DiscoveryRefreshSeconds { get; set; } = 300;

    /// <summary>First reconnect delay; doubles per consecutive failure up to <see cref="ReconnectMaxDelaySeconds"/>.</summary>
    public double ReconnectMinDelaySeconds { get; set; } = 1;

    public double ReconnectMaxDelaySeconds { get; set; } = 60;

    /// <summary>Fraction of each delay that is randomised (0..1) so connections do not reconnect in lockstep.</summary>
    public double ReconnectJitter { get; set; } = 0.5;

    /// <summary>Least wait after the exchange answered 10028 too_many_requests (it also ends the session).</summary>
    public double RateLimitBackoffSeconds { get; set; } = 10;

    /// <summary>Consecutive failures to reach the endpoint before the circuit breaker opens.</summary>
    public int CircuitBreakerFailureThreshold { get; set; } = 5;

    /// <summary>How long an open breaker refuses attempts before letting one probe through (half-open).</summary>
    public double CircuitBreakerOpenSeconds { get; set; } = 30;

    public double ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>How long a JSON-RPC call waits for its answer before the session is considered broken.</summary>
    public double RequestTimeoutSeconds { get; set; } = 15;

    /// <summary>Largest message accepted; bigger ones are dropped and counted (discovery answers are the largest legit ones).</summary>
    public int MaxFrameBytes { get; set; } = 32 * 1024 * 1024;

    internal bool HasCredentials => !string.IsNullOrEmpty(ClientId) && !string.IsNullOrEmpty(ClientSecret);

    internal bool UsesExplicitInstruments => Instruments.Count > 0;
}
