namespace Laevitas.Feed;

/// <summary>How one session attempt of a connection ended.</summary>
internal sealed record SessionOutcome(SessionEnd End, string Detail, bool Established, DeribitConnectException? ConnectError = null);
