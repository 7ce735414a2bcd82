namespace Laevitas.Feed;

/// <summary>
/// Live counters of the Deribit feed, shared with the status line, health checks and metrics. Counters are
/// updated with interlocked operations from the receive loops; nothing here blocks a tick.
/// </summary>
public sealed class FeedStatus
{
    private readonly TimeProvider _time;
    private readonly Lock _errorLock = new();
    private int _connectionsOpen;
    private int _connectionsWanted;
    private int _channelsSubscribed;
    private int _instrumentsFollowed;
    private long _ticks;
    private long _parseErrors;
    private long _reconnects;
    private long _rateLimited;
    private long _sinkErrors;
    private long _circuitOpenings;
    private long _testRequestsAnswered;
    private int _circuitState;
    private long _lastTickMs;
    private long _lastDiscoveryMs;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;

    public FeedStatus(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
    }

    public string Endpoint { get; internal set; } = "";

    public int ConnectionsOpen => Volatile.Read(ref _connectionsOpen);

    /// <summary>Ticker connections the feed keeps (open or reconnecting).</summary>
    public int ConnectionsWanted => Volatile.Read(ref _connectionsWanted);

    /// <summary>Channels the exchange confirmed on currently open connections.</summary>
    public int ChannelsSubscribed => Volatile.Read(ref _channelsSubscribed);

    public int InstrumentsFollowed => Volatile.Read(ref _instrumentsFollowed);

    public long TicksReceived => Interlocked.Read(ref _ticks);

    /// <summary>Messages the feed could not use (malformed, truncated, wrong types, unknown, oversized).</summary>
    public long ParseErrors => Interlocked.Read(ref _parseErrors);

    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Times the exchange answered 10028 too_many_requests.</summary>
    public long RateLimited => Interlocked.Read(ref _rateLimited);

    /// <summary>Ticks the sink threw on (counted, the feed goes on).</summary>
    public long SinkErrors => Interlocked.Read(ref _sinkErrors);

    /// <summary>Heartbeat <c>test_request</c>s answered with <c>public/test</c>.</summary>
    public long TestRequestsAnswered => Interlocked.Read(ref _testRequestsAnswered);

    public CircuitState CircuitState => (CircuitState)Volatile.Read(ref _circuitState);

    public long CircuitOpenings => Interlocked.Read(ref _circuitOpenings);

    public DateTimeOffset? LastTickAt => FromMs(Volatile.Read(ref _lastTickMs));

    public DateTimeOffset? LastDiscoveryAt => FromMs(Volatile.Read(ref _lastDiscoveryMs));

    public string? LastError
    {
        get { lock (_errorLock) { return _lastError; } }
    }

    public DateTimeOffset? LastErrorAt
    {
        get { lock (_errorLock) { return _lastErrorAt; } }
    }

    public FeedStatusSnapshot Snapshot()
    {
        string? error;
        DateTimeOffset? errorAt;
        lock (_errorLock)
        {
            error = _lastError;
            errorAt = _lastErrorAt;
        }

        return new FeedStatusSnapshot(Endpoint, ConnectionsOpen, ConnectionsWanted, ChannelsSubscribed, InstrumentsFollowed,
            TicksReceived, ParseErrors, Reconnects, RateLimited, SinkErrors, TestRequestsAnswered, CircuitState, CircuitOpenings,
            LastTickAt, LastDiscoveryAt, error, errorAt);
    }

    internal void TickReceived(long receivedAtMs)
    {
        Interlocked.Increment(ref _ticks);
        // Plain store: last-writer-wins is fine for "when did a tick last arrive".
        Volatile.Write(ref _lastTickMs, receivedAtMs);
    }

    internal void TestRequestAnswered() => Interlocked.Increment(ref _testRequestsAnswered);

    internal void ParseError() => Interlocked.Increment(ref _parseErrors);

    internal void SinkError() => Interlocked.Increment(ref _sinkErrors);

    internal void Reconnecting() => Interlocked.Increment(ref _reconnects);

    internal void RateLimitHit() => Interlocked.Increment(ref _rateLimited);

    internal void ConnectionOpened() => Interlocked.Increment(ref _connectionsOpen);

    internal void ConnectionClosed() => Interlocked.Decrement(ref _connectionsOpen);

    internal void SetConnectionsWanted(int count) => Volatile.Write(ref _connectionsWanted, count);

    internal void ChannelsChanged(int delta) => Interlocked.Add(ref _channelsSubscribed, delta);

    internal void SetInstrumentsFollowed(int count) => Volatile.Write(ref _instrumentsFollowed, count);

    internal void DiscoveryCompleted() => Volatile.Write(ref _lastDiscoveryMs, _time.GetUtcNow().ToUnixTimeMilliseconds());

    internal void SetCircuitState(CircuitState state)
    {
        var previous = (CircuitState)Interlocked.Exchange(ref _circuitState, (int)state);
        if (state == CircuitState.Open && previous != CircuitState.Open)
        {
            Interlocked.Increment(ref _circuitOpenings);
        }
    }

    internal void RecordError(string message)
    {
        lock (_errorLock)
        {
            _lastError = message;
            _lastErrorAt = _time.GetUtcNow();
        }
    }

    private static DateTimeOffset? FromMs(long ms) => ms == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
