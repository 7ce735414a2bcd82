namespace Laevitas.DeribitSimulator;

/// <summary>
/// What the simulated exchange looks like and how hard it pushes. Defaults mirror the real exchange's
/// documented limits; tests shorten time-based behaviour explicitly (see <see cref="AllowShortHeartbeat"/>).
/// </summary>
public sealed class SimulatorOptions
{
    /// <summary>Address to listen on. The simulator is a loopback tool; anything else is the caller's choice.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (read it back from <see cref="DeribitSimulatorServer.Url"/>).</summary>
    public int Port { get; set; }

    /// <summary>Number of instruments in the universe (perpetuals, futures, inverse and linear options).</summary>
    public int InstrumentCount { get; set; } = 50;

    /// <summary>Seed for the universe and the price walk: the same seed gives the same instruments and paths.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>
    /// The day the universe is built around (expiries are laid out after it). Null ⇒ today (UTC).
    /// Pin it in tests that assert on instrument names.
    /// </summary>
    public DateTimeOffset? ReferenceTime { get; set; }

    /// <summary>Aggregate ticker notifications per second across every subscribed channel. 0 ⇒ no ticks.</summary>
    public double TicksPerSecond { get; set; } = 1_000;

    /// <summary>Stop emitting after this many ticker notifications have been sent (null ⇒ unlimited).</summary>
    public long? MaxTicks { get; set; }

    /// <summary>
    /// Aggregate trades per second over the instruments some client follows the ticker of, sent on the matching
    /// <c>trades.{kind}.{currency}.{interval}</c> and <c>trades.{instrument}.{interval}</c> channels. 0 ⇒ no trades.
    /// </summary>
    public double TradesPerSecond { get; set; }

    /// <summary>Stop generating trades after this many (null ⇒ unlimited).</summary>
    public long? MaxTrades { get; set; }

    /// <summary>
    /// How often the index channels (<c>deribit_price_index</c>, <c>deribit_volatility_index</c>,
    /// <c>estimated_expiration_price</c>) send a value to their subscribers: Deribit's rate, about once a second, by
    /// default. Null ⇒ never (the channels can still be subscribed).
    /// </summary>
    public TimeSpan? IndexInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Keep, per channel, the ordered list of timestamps actually sent (for reconciliation in tests).</summary>
    public bool RecordEmitted { get; set; }

    /// <summary>Credentials <c>public/auth</c> accepts (client_credentials). Empty ⇒ every attempt fails with 13004.</summary>
    public IList<SimulatorCredential> Credentials { get; } = new List<SimulatorCredential>();

    /// <summary>The exchange's limits (connections per IP, request rates, request sizes, heartbeat floor).</summary>
    public SimulatorLimits Limits { get; set; } = new();

    /// <summary>
    /// Accept <c>public/set_heartbeat</c> intervals below the exchange's 10 s floor (down to 0.1 s) so tests
    /// can exercise the heartbeat cycle quickly. Off by default: the real floor applies.
    /// </summary>
    public bool AllowShortHeartbeat { get; set; }

    /// <summary>Frames each connection may have queued before the tick engine waits for it (backpressure, not loss).</summary>
    public int OutboundQueueCapacity { get; set; } = 16_384;

    /// <summary>
    /// When an instrument expires, send its subscribers a last ticker with state <c>closed</c> and
    /// <c>estimated_delivery_price: "expired"</c> (a string, as the exchange sends around delivery). Counted as a tick.
    /// </summary>
    public bool SendFinalTickOnExpiry { get; set; } = true;

    /// <summary>
    /// Listings change on their own every interval (null ⇒ never): the option with the nearest expiry expires and a
    /// new strike is listed on the farthest expiry of the same chain, as the exchange's universe drifts over a day.
    /// </summary>
    public TimeSpan? ChurnInterval { get; set; }

    /// <summary>
    /// The exchange's clock: the timestamps it sends (tickers, trades, <c>instrument.state</c>, <c>public/get_time</c>),
    /// new listings' <c>creation_timestamp</c>, and settlements: <c>public/get_delivery_prices</c> lists a delivery price
    /// per index and day up to the latest 08:00 UTC of this clock. A test can hand in an accelerated or controllable one;
    /// the <see cref="DailySchedule"/> waits on its timers. Rates (<see cref="TicksPerSecond"/>, heartbeats) stay in real time.
    /// </summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>
    /// Runs Deribit's daily 08:00 UTC cycle on <see cref="Clock"/> (off by default): at each 08:00 of the clock the
    /// instruments expiring then are delivered (a last ticker with <c>delivery_price</c> equal to the day's
    /// <c>public/get_delivery_prices</c> value of their index, then <c>settled</c> and <c>terminated</c> on
    /// <c>instrument.state</c>) and a new daily option expiry <see cref="DailyExpiryDays"/> days out is listed for every
    /// option chain (<c>created</c>, then <c>started</c>). With <see cref="ReferenceTime"/> null the universe is the one
    /// listed at the clock's latest 08:00, so the dailies include the one expiring at the next 08:00.
    /// </summary>
    public bool DailySchedule { get; set; }

    /// <summary>
    /// How many days out the daily expiry listed at 08:00 expires (Deribit lists BTC and ETH dailies so that three are
    /// open: 3; SOL and XRP keep two). 1..30.
    /// </summary>
    public int DailyExpiryDays { get; set; } = 3;

    /// <summary>Strikes of each new daily expiry per chain (calls and puts each), around the money. 1..50.</summary>
    public int DailyStrikes { get; set; } = 3;

    /// <summary>First day of the delivery-price history. Null ⇒ 365 days before the reference day.</summary>
    public DateOnly? SettlementsSince { get; set; }

    /// <summary>Value of the <c>testnet</c> flag in responses (the production endpoint says false).</summary>
    public bool Testnet { get; set; }

    internal void Validate()
    {
        if (Port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(Port), Port, "Port must be 0..65535 (0 = pick a free port).");
        if (InstrumentCount is < 1 or > 100_000) throw new ArgumentOutOfRangeException(nameof(InstrumentCount), InstrumentCount, "InstrumentCount must be 1..100000.");
        if (TicksPerSecond < 0 || double.IsNaN(TicksPerSecond) || double.IsInfinity(TicksPerSecond)) throw new ArgumentOutOfRangeException(nameof(TicksPerSecond), TicksPerSecond, "TicksPerSecond must be a finite number ≥ 0.");
        if (TradesPerSecond < 0 || double.IsNaN(TradesPerSecond) || double.IsInfinity(TradesPerSecond)) throw new ArgumentOutOfRangeException(nameof(TradesPerSecond), TradesPerSecond, "TradesPerSecond must be a finite number ≥ 0.");
        if (MaxTrades is < 0) throw new ArgumentOutOfRangeException(nameof(MaxTrades), MaxTrades, "MaxTrades must be ≥ 0.");
        if (MaxTicks is < 0) throw new ArgumentOutOfRangeException(nameof(MaxTicks), MaxTicks, "MaxTicks must be ≥ 0.");
        if (ChurnInterval is { } churn && churn <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ChurnInterval), churn, "ChurnInterval must be positive (or null for none).");
        if (IndexInterval is { } indexInterval && indexInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(IndexInterval), indexInterval, "IndexInterval must be positive (or null for none).");
        if (OutboundQueueCapacity < 16) throw new ArgumentOutOfRangeException(nameof(OutboundQueueCapacity), OutboundQueueCapacity, "OutboundQueueCapacity must be ≥ 16.");
        ArgumentNullException.ThrowIfNull(Clock);
        if (DailyExpiryDays is < 1 or > 30) throw new ArgumentOutOfRangeException(nameof(DailyExpiryDays), DailyExpiryDays, "DailyExpiryDays must be 1..30.");
        if (DailyStrikes is < 1 or > 50) throw new ArgumentOutOfRangeException(nameof(DailyStrikes), DailyStrikes, "DailyStrikes must be 1..50.");
        Limits.Validate();
    }
}
