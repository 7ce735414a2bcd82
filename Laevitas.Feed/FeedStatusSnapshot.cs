namespace Laevitas.Feed;

/// <summary>A consistent-enough copy of <see cref="FeedStatus"/> for a status line, health check or API answer.</summary>
public sealed record FeedStatusSnapshot(
    string Endpoint,
    int ConnectionsOpen,
    int ConnectionsWanted,
    int ChannelsSubscribed,
    int InstrumentsFollowed,
    long TicksReceived,
    long ParseErrors,
    long Reconnects,
    long RateLimited,
    long SinkErrors,
    long TestRequestsAnswered,
    CircuitState CircuitState,
    long CircuitOpenings,
    DateTimeOffset? LastTickAt,
    DateTimeOffset? LastDiscoveryAt,
    string? LastError,
    DateTimeOffset? LastErrorAt)
{
    /// <summary>Channels the feed wants subscribed (ticker and trades channels), see <see cref="FeedStatus.ChannelsWanted"/>.</summary>
    public int ChannelsWanted { get; init; }

    /// <summary>Trades read off the trades channels, see <see cref="FeedStatus.TradesReceived"/>.</summary>
    public long TradesReceived { get; init; }
}
