namespace Laevitas.DeribitSimulator;

/// <summary>A snapshot of one open client connection.</summary>
public sealed record SimulatorConnectionInfo(long Id, string RemoteIp, int ChannelCount, bool IsAuthenticated, double? HeartbeatIntervalSeconds);
