namespace Laevitas.Feed;

/// <summary>
/// Live counters of the Deribit feed, shared with the status line, health checks and metrics. Counters are
/// updated with interlocked operations from the receive loops; nothing here blocks a tick.
/// </summary>
public sealed class FeedStatus
{
    private readonly TimeProvider time;
    private readonly Lock errorLock = new();
    private int connectionsOpen;
    private int connectionsWanted;
    private int channelsWanted;
    private int channelsSubscribed;
    private int instrumentsFollowed;
    private long ticks;
    private long trades;
    private long indexValues;
    private long parseErrors;
    private long reconnects;
    private long rateLimited;
    private long sinkErrors;
    private long circuitOpenings;
    private long testRequestsAnswered;
    private readonly long[] listingEvents = new long[ListingStates.All.Length];
    private int circuitState;
    private long lastTickMs;
    private long lastDiscoveryMs;
    private string? lastError;
    private DateTimeOffset? lastErrorAt;

    public FeedStatus(TimeProvider? time = null)
    {
        this.time = time ?? TimeProvider.System;
    }

    public string Endpoint { get; internal set; } = "";

    public int ConnectionsOpen => Volatile.Read(ref connectionsOpen);

    /// <summary>Ticker connections the feed keeps (open or reconnecting).</summary>
    public int ConnectionsWanted => Volatile.Read(ref connectionsWanted);

    /// <summary>Channels the exchange confirmed on currently open connections.</summary>
    public int ChannelsSubscribed => Volatile.Read(ref channelsSubscribed);

    public int InstrumentsFollowed => Volatile.Read(ref instrumentsFollowed);

    /// <summary>
    /// Channels the feed wants subscribed: the instruments' ticker channels and the trades channels. A feed is complete
    /// when the exchange confirmed this many (not one per instrument: trades channels count too).
    /// </summary>
    public int ChannelsWanted => Volatile.Read(ref channelsWanted);

    public long TicksReceived => Interlocked.Read(ref ticks);

    /// <summary>Trades received (each element of a trades notification's array that could be used).</summary>
    public long TradesReceived => Interlocked.Read(ref trades);

    /// <summary>Index channel values received (price index, DVOL, estimated expiration price) that could be used.</summary>
    public long IndexValuesReceived => Interlocked.Read(ref indexValues);

    /// <summary>Messages the feed could not use (malformed, truncated, wrong types, unknown, oversized).</summary>
    public long ParseErrors => Interlocked.Read(ref parseErrors);

    public long Reconnects => Interlocked.Read(ref reconnects);

    /// <summary>Times the exchange answered 10028 too_many_requests.</summary>
    public long RateLimited => Interlocked.Read(ref rateLimited);

    /// <summary>Ticks the sink threw on (counted, the feed goes on).</summary>
    public long SinkErrors => Interlocked.Read(ref sinkErrors);

    /// <summary>Heartbeat <c>test_request</c>s answered with <c>public/test</c>.</summary>
    public long TestRequestsAnswered => Interlocked.Read(ref testRequestsAnswered);

    /// <summary>instrument.state notifications received in <paramref name="state"/>.</summary>
    public long ListingEvents(ListingState state) => Interlocked.Read(ref listingEvents[(int)state]);

    public CircuitState CircuitState => (CircuitState)Volatile.Read(ref circuitState);

    public long CircuitOpenings => Interlocked.Read(ref circuitOpenings);

    public DateTimeOffset? LastTickAt => FromMs(Volatile.Read(ref lastTickMs));

    public DateTimeOffset? LastDiscoveryAt => FromMs(Volatile.Read(ref lastDiscoveryMs));

    public string? LastError
    {
        get { lock (errorLock) { return lastError; } }
    }

    public DateTimeOffset? LastErrorAt
    {
        get { lock (errorLock) { return lastErrorAt; } }
    }

    public FeedStatusSnapshot Snapshot()
    {
        string? error;
        DateTimeOffset? errorAt;
        lock (errorLock)
        {
            error = lastError;
            errorAt = lastErrorAt;
        }

        return new FeedStatusSnapshot(Endpoint, ConnectionsOpen, ConnectionsWanted, ChannelsSubscribed, InstrumentsFollowed,
            TicksReceived, ParseErrors, Reconnects, RateLimited, SinkErrors, TestRequestsAnswered, CircuitState, CircuitOpenings,
            LastTickAt, LastDiscoveryAt, error, errorAt)
        {
            ChannelsWanted = ChannelsWanted,
            TradesReceived = TradesReceived,
        };
    }

    internal void TradesRead(int count) => Interlocked.Add(ref trades, count);

    internal void IndexValueRead() => Interlocked.Increment(ref indexValues);

    internal void TickReceived(long receivedAtMs)
    {
        Interlocked.Increment(ref ticks);
        // Plain store: last-writer-wins is fine for "when did a tick last arrive".
        Volatile.Write(ref lastTickMs, receivedAtMs);
    }

    internal void ListingEventReceived(ListingState state) => Interlocked.Increment(ref listingEvents[(int)state]);

    internal void TestRequestAnswered() => Interlocked.Increment(ref testRequestsAnswered);

    internal void ParseError() => Interlocked.Increment(ref parseErrors);

    internal void SinkError() => Interlocked.Increment(ref sinkErrors);

    internal void Reconnecting() => Interlocked.Increment(ref reconnects);

    internal void RateLimitHit() => Interlocked.Increment(ref rateLimited);

    internal void ConnectionOpened() => Interlocked.Increment(ref connectionsOpen);

    internal void ConnectionClosed() => Interlocked.Decrement(ref connectionsOpen);

    internal void SetConnectionsWanted(int count) => Volatile.Write(ref connectionsWanted, count);

    internal void SetChannelsWanted(int count) => Volatile.Write(ref channelsWanted, count);

    internal void ChannelsChanged(int delta) => Interlocked.Add(ref channelsSubscribed, delta);

    internal void SetInstrumentsFollowed(int count) => Volatile.Write(ref instrumentsFollowed, count);

    internal void DiscoveryCompleted() => Volatile.Write(ref lastDiscoveryMs, time.GetUtcNow().ToUnixTimeMilliseconds());

    internal void SetCircuitState(CircuitState state)
    {
        var previous = (CircuitState)Interlocked.Exchange(ref circuitState, (int)state);
        if (state == CircuitState.Open && previous != CircuitState.Open)
        {
            Interlocked.Increment(ref circuitOpenings);
        }
    }

    internal void RecordError(string message)
    {
        lock (errorLock)
        {
            lastError = message;
            lastErrorAt = time.GetUtcNow();
        }
    }

    private static DateTimeOffset? FromMs(long ms) => ms == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
