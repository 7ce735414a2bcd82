namespace Laevitas.ChaosTests.Infrastructure;

/// <summary>
/// Load and fault durations. The default (CI) variant keeps the whole suite within a few minutes on two cores;
/// <c>LAEVITAS_SOAK=1</c> runs the full durations the reliability issue asks for (60 s outages, 2 min refusal).
/// </summary>
public static class ChaosSettings
{
    public static bool Soak { get; } = Environment.GetEnvironmentVariable("LAEVITAS_SOAK") is "1" or "true";

    /// <summary>Instruments the simulator lists; the feed follows every one of them (≥ 2,000 are subscribed).</summary>
    public static int Instruments => 2_200;

    /// <summary>Aggregate ticks per second across all instruments: steady, with headroom on two shared cores.</summary>
    public static double TicksPerSecond => 2_000;

    /// <summary>Postgres stopped, broker down: 10 s in CI, 60 s in soak.</summary>
    public static TimeSpan Outage => Soak ? TimeSpan.FromSeconds(60) : TimeSpan.FromSeconds(10);

    /// <summary>Broker slow or failing requests.</summary>
    public static TimeSpan Degradation => Soak ? TimeSpan.FromSeconds(60) : TimeSpan.FromSeconds(8);

    /// <summary>The exchange refusing connections (circuit breaker opens, then closes): 2 min in soak.</summary>
    public static TimeSpan Refusal => Soak ? TimeSpan.FromMinutes(2) : TimeSpan.FromSeconds(10);

    /// <summary>
    /// The exchange silent (no ticks, no heartbeats): long enough for the dead-link check to fire (the 10 s minimum
    /// heartbeat plus the 1 s margin the suite configures).
    /// </summary>
    public static TimeSpan Silence => Soak ? TimeSpan.FromSeconds(60) : TimeSpan.FromSeconds(20);

    /// <summary>How long each case waits for the pipeline to catch up before it gives up.</summary>
    public static TimeSpan Patience => Soak ? TimeSpan.FromMinutes(6) : TimeSpan.FromMinutes(2);
}
