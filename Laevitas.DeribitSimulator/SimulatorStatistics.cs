namespace Laevitas.DeribitSimulator;

/// <summary>Counters since start, for status lines and tests.</summary>
public sealed record SimulatorStatistics(
    int OpenConnections,
    long ConnectionsAccepted,
    long ConnectionsRefused,
    int Subscriptions,
    long TicksSent,
    long Requests,
    long RateLimited,
    long HeartbeatTimeouts,
    long FaultsInjected);
