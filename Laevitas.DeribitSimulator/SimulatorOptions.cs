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

    /// <summary>Value of the <c>testnet</c> flag in responses (the production endpoint says false).</summary>
    public bool Testnet { get; set; }

    internal void Validate()
    {
        if (Port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(Port), Port, "Port must be 0..65535 (0 = pick a free port).");
        if (InstrumentCount is < 1 or > 100_000) throw new ArgumentOutOfRangeException(nameof(InstrumentCount), InstrumentCount, "InstrumentCount must be 1..100000.");
        if (TicksPerSecond < 0 || double.IsNaN(TicksPerSecond) || double.IsInfinity(TicksPerSecond)) throw new ArgumentOutOfRangeException(nameof(TicksPerSecond), TicksPerSecond, "TicksPerSecond must be a finite number ≥ 0.");
        if (MaxTicks is < 0) throw new ArgumentOutOfRangeException(nameof(MaxTicks), MaxTicks, "MaxTicks must be ≥ 0.");
        if (ChurnInterval is { } churn && churn <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ChurnInterval), churn, "ChurnInterval must be positive (or null for none).");
        if (OutboundQueueCapacity < 16) throw new ArgumentOutOfRangeException(nameof(OutboundQueueCapacity), OutboundQueueCapacity, "OutboundQueueCapacity must be ≥ 16.");
        Limits.Validate();
    }
}
