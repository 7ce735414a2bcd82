namespace Laevitas.DeribitSimulator;

/// <summary>
/// The exchange's limits as Deribit documents them or users report them. Every default is the real value;
/// tests may lower or raise them.
/// </summary>
public sealed class SimulatorLimits
{
    /// <summary>Open WebSocket connections per client IP; the next upgrade is answered with HTTP 429.</summary>
    public int MaxConnectionsPerIp { get; set; } = 32;

    /// <summary>Sustained <c>public/subscribe</c>/<c>public/unsubscribe</c> calls per second per client (IP, or client_id once authenticated).</summary>
    public double SubscribeRatePerSecond { get; set; } = 3.3;

    /// <summary>Subscribe calls that may be made back to back before the sustained rate applies.</summary>
    public int SubscribeBurst { get; set; } = 10;

    /// <summary>
    /// Non-matching-engine request credits (leaky bucket): each request costs <see cref="CreditsPerRequest"/>,
    /// the bucket holds <see cref="MaxCredits"/> and refills at <see cref="CreditRefillPerSecond"/>.
    /// Out of credits ⇒ 10028 too_many_requests and the session ends.
    /// </summary>
    public int MaxCredits { get; set; } = 50_000;

    /// <inheritdoc cref="MaxCredits"/>
    public int CreditsPerRequest { get; set; } = 500;

    /// <inheritdoc cref="MaxCredits"/>
    public int CreditRefillPerSecond { get; set; } = 10_000;

    /// <summary>Channels accepted in one subscribe/unsubscribe call; more ⇒ -32600 "request entity too large".</summary>
    public int MaxChannelsPerSubscribe { get; set; } = 500;

    /// <summary>Largest request message (bytes) the server reads; larger ⇒ -32600 "request entity too large".</summary>
    public int MaxRequestBytes { get; set; } = 32 * 1024;

    /// <summary>Smallest interval <c>public/set_heartbeat</c> accepts, in seconds (unless short heartbeats are allowed).</summary>
    public double MinHeartbeatIntervalSeconds { get; set; } = 10;

    internal void Validate()
    {
        if (MaxConnectionsPerIp < 1) throw new ArgumentOutOfRangeException(nameof(MaxConnectionsPerIp), MaxConnectionsPerIp, "MaxConnectionsPerIp must be ≥ 1.");
        if (SubscribeRatePerSecond <= 0) throw new ArgumentOutOfRangeException(nameof(SubscribeRatePerSecond), SubscribeRatePerSecond, "SubscribeRatePerSecond must be > 0.");
        if (SubscribeBurst < 1) throw new ArgumentOutOfRangeException(nameof(SubscribeBurst), SubscribeBurst, "SubscribeBurst must be ≥ 1.");
        if (MaxCredits < CreditsPerRequest || CreditsPerRequest < 0 || CreditRefillPerSecond <= 0) throw new ArgumentOutOfRangeException(nameof(MaxCredits), "Credits: MaxCredits ≥ CreditsPerRequest ≥ 0 and CreditRefillPerSecond > 0.");
        if (MaxChannelsPerSubscribe < 1) throw new ArgumentOutOfRangeException(nameof(MaxChannelsPerSubscribe), MaxChannelsPerSubscribe, "MaxChannelsPerSubscribe must be ≥ 1.");
        if (MaxRequestBytes < 1024) throw new ArgumentOutOfRangeException(nameof(MaxRequestBytes), MaxRequestBytes, "MaxRequestBytes must be ≥ 1024.");
        if (MinHeartbeatIntervalSeconds <= 0) throw new ArgumentOutOfRangeException(nameof(MinHeartbeatIntervalSeconds), MinHeartbeatIntervalSeconds, "MinHeartbeatIntervalSeconds must be > 0.");
    }
}
