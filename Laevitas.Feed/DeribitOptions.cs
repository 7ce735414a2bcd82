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

    /// <summary>
    /// Currencies whose instruments are discovered with <c>public/get_instruments</c>: the instruments settled in them.
    /// The default includes USDC, which is where Deribit's linear instruments settle (<c>BTC_USDC-…</c>,
    /// <c>SOL_USDC-…</c> options and perpetuals); BTC and ETH alone follow only the inverse ones.
    /// </summary>
    public IReadOnlyList<string> Currencies { get; set; } = ["BTC", "ETH", "USDC"];

    /// <summary>
    /// What <c>public/get_instruments</c> takes as <c>currency</c> (its documented enum): one unknown value makes that
    /// call fail, and with it the whole discovery pass, so the silo refuses it at start instead.
    /// </summary>
    public static readonly IReadOnlyList<string> KnownCurrencies = ["BTC", "ETH", "USDC", "USDT", "EURR", AnyCurrency];

    /// <summary>Every currency in one call; meaningful only alone.</summary>
    public const string AnyCurrency = "any";

    /// <summary>Instrument kinds to follow (<c>future</c> includes perpetuals).</summary>
    public IReadOnlyList<string> Kinds { get; set; } = ["option", "future"];

    /// <summary>Explicit instrument names; when not empty they replace discovery by currency and kind.</summary>
    public IReadOnlyList<string> Instruments { get; set; } = [];

    /// <summary>Ticker interval: <c>raw</c> (needs credentials), <c>100ms</c> or <c>agg2</c>.</summary>
    public string Interval { get; set; } = "100ms";

    /// <summary>
    /// Also capture trades: <c>trades.{kind}.{currency}.{Interval}</c>, one channel per configured kind and currency
    /// (every trade of that market, whatever the instrument), or with explicit <see cref="Instruments"/>
    /// <c>trades.{instrument}.{Interval}</c> per instrument, so that only the followed instruments' trades come.
    /// Counted in the connections' channel budget like ticker channels.
    /// </summary>
    public bool Trades { get; set; } = true;

    /// <summary>
    /// Also subscribe <c>instrument.state.{kind}.{currency}</c>, one channel per configured kind and currency (on one
    /// connection, counted in its channel budget): a listing the exchange creates is followed within seconds instead of
    /// at the next <see cref="DiscoveryRefreshSeconds"/> poll (a new daily expiry's first minutes), and a settled or
    /// terminated one is dropped at once. With explicit <see cref="Instruments"/> only those names are acted on. The
    /// poll keeps running either way and reconciles whatever the channel missed (reconnects, locked currencies).
    /// </summary>
    public bool InstrumentStateChannel { get; set; } = true;

    /// <summary>
    /// Also subscribe the index channels of the configured currencies' indexes (<see cref="DeribitIndexes.ForCurrencies"/>:
    /// BTC → btc_usd, ETH → eth_usd, USDC → btc_usdc, eth_usdc, sol_usdc, xrp_usdc): <c>deribit_price_index.{index}</c>,
    /// <c>estimated_expiration_price.{index}</c>, and <c>deribit_volatility_index.{index}</c> (DVOL) where Deribit has
    /// one (btc_usd, eth_usd). On one connection with the other market channels, counted in its channel budget.
    /// </summary>
    public bool IndexChannels { get; set; } = true;

    /// <summary>API client id; from the environment (<c>Deribit__ClientId</c>) or a secret only.</summary>
    public string? ClientId { get; set; }

    /// <summary>API client secret; from the environment (<c>Deribit__ClientSecret</c>) or a secret only. Never logged.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Channels per <c>public/subscribe</c> call. Larger requests fail with -32600 "request entity too large".</summary>
    public int ChannelsPerSubscribeCall { get; set; } = 200;

    /// <summary>Channels one WebSocket connection carries before the feed opens another.</summary>
    public int ChannelsPerConnection { get; set; } = 1000;

    /// <summary>
    /// How many silos each run a complete feed for the whole configured market: the oldest Active ones. Null: 2 in
    /// the <c>AdoNet</c> and <c>Kubernetes</c> clustering modes (losing one feed silo then loses no tick), 1 in
    /// <c>Localhost</c> (one silo). Each feed takes <see cref="MaxConnections"/> + 1 connections from the exchange's
    /// 32 per IP, and one more feed runs while a leaving feed silo hands over (make-before-break), so the validator
    /// refuses (<see cref="FeedReplicas"/> + 1) × (<see cref="MaxConnections"/> + 1) above 32 (the feed silos may
    /// share one egress IP).
    /// </summary>
    public int? FeedReplicas { get; set; }

    /// <summary>
    /// How long a feed silo that is stopping (or no longer among the oldest) keeps its feed while the silo taking its
    /// place subscribes, seconds: it stops as soon as every feed silo of the new set reports a complete
    /// subscription, or after this. Keep it well inside the host's shutdown timeout (<c>shutdownTimeoutSeconds</c>,
    /// 30 s by default, 75 s in deploy/k8s). 0 stops at once (break-before-make).
    /// </summary>
    public double FeedHandoverTimeoutSeconds { get; set; } = 20;

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

    /// <summary>The market-wide trades channels (none with explicit instruments, which get one per instrument).</summary>
    internal IReadOnlyList<string> MarketTradeChannels() =>
        !Trades || UsesExplicitInstruments
            ? []
            : [.. Currencies.SelectMany(currency => Kinds.Select(kind => $"trades.{kind}.{currency}.{Interval}"))];

    /// <summary>The instrument.state channels (Currencies × Kinds; none when <see cref="InstrumentStateChannel"/> is off).</summary>
    internal IReadOnlyList<string> InstrumentStateChannels() =>
        !InstrumentStateChannel
            ? []
            : [.. Currencies.SelectMany(currency => Kinds.Select(kind => $"{InstrumentStateEvent.ChannelPrefix}{kind}.{currency}"))];

    /// <summary>The index channels (price index, DVOL, estimated expiration price); none when <see cref="IndexChannels"/> is off.</summary>
    internal IReadOnlyList<string> IndexChannelList() =>
        !IndexChannels ? [] : DeribitIndexes.Channels(DeribitIndexes.ForCurrencies(Currencies));

    /// <summary>
    /// The channels not tied to one instrument (market trades, instrument.state, index channels): subscribed once, on one
    /// connection.
    /// </summary>
    internal IReadOnlyList<string> MarketChannels() => [.. MarketTradeChannels(), .. InstrumentStateChannels(), .. IndexChannelList()];

    /// <summary>Whether each instrument has a trades channel of its own (explicit instruments), next to its ticker channel.</summary>
    internal bool TradesPerInstrument => Trades && UsesExplicitInstruments;

    /// <summary>The trades channel of one instrument (explicit instruments only), or null.</summary>
    internal string? InstrumentTradeChannel(string instrumentName) =>
        TradesPerInstrument ? $"trades.{instrumentName}.{Interval}" : null;
}
