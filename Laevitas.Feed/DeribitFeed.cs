using Laevitas.Grains.Abstractions.Instruments;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Laevitas.Feed;

/// <summary>
/// The Deribit ticker feed. Discovers instruments (<c>public/get_instruments</c> for Currencies × Kinds, or the
/// explicit Instruments list), spreads their ticker channels over up to MaxConnections connections, refreshes
/// discovery periodically (new listings subscribed, expired or delisted ones unsubscribed and reported), and
/// hands every tick to the <see cref="ITickSink"/>. An instrument stays on one connection for its lifetime,
/// which keeps the exchange's per-instrument ordering intact end to end.
/// </summary>
public sealed class DeribitFeed : BackgroundService
{
    private const string DiscoveryName = "deribit-discovery";

    private readonly DeribitOptions _options;
    private readonly ITickSink _sink;
    private readonly FeedStatus _status;
    private readonly ILogger<DeribitFeed> _logger;
    private readonly FeedContext _context;
    private readonly Dictionary<string, DeribitConnection> _byInstrument = new(StringComparer.Ordinal);
    private readonly List<DeribitConnection> _connections = [];
    private readonly List<Task> _connectionTasks = [];
    private string _reportedUnknown = "";
    private bool _overCapacityReported;

    public DeribitFeed(IOptions<DeribitOptions> options, ITickSink sink, FeedStatus status, FeedMetrics metrics, TimeProvider time, ILogger<DeribitFeed> logger)
    {
        // The metrics instruments live as long as the meter; taking them here makes sure they are created.
        _ = metrics;
        _options = options.Value;
        _sink = sink;
        _status = status;
        _logger = logger;
        _context = new FeedContext(_options, sink, status, time, logger);
    }

    /// <summary>Connections the feed currently runs (for tests and diagnostics).</summary>
    internal IReadOnlyList<DeribitConnection> Connections
    {
        get { lock (_connections) { return _connections.ToArray(); } }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _status.Endpoint = _options.Url;
        FeedLog.Starting(_logger, _options.Url, _options.Interval,
            _options.UsesExplicitInstruments
                ? $"{_options.Instruments.Count} explicit instruments"
                : $"discovery of {string.Join(",", _options.Currencies)} x {string.Join(",", _options.Kinds)}");
        try
        {
            var backoff = new ReconnectBackoff(_options.ReconnectMinDelaySeconds, _options.ReconnectMaxDelaySeconds, _options.ReconnectJitter);
            while (true)
            {
                DiscoveryResult first;
                try
                {
                    first = await DiscoverAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    FeedLog.Unexpected(_logger, ex, DiscoveryName);
                    first = new DiscoveryResult(null, $"unexpected {ex.GetType().Name}: {ex.Message}");
                }

                if (first.Instruments is not null)
                {
                    Apply(first.Instruments, stoppingToken);
                    break;
                }

                var delay = backoff.Next();
                ReportDiscoveryFailure(first, delay);
                await Task.Delay(delay, _context.Time, stoppingToken).ConfigureAwait(false);
            }

            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.DiscoveryRefreshSeconds), _context.Time);
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    var refreshed = await DiscoverAsync(stoppingToken).ConfigureAwait(false);
                    if (refreshed.Instruments is not null)
                    {
                        Apply(refreshed.Instruments, stoppingToken);
                    }
                    else
                    {
                        // Keep following what we have; a failed refresh must not look like a mass delisting.
                        ReportDiscoveryFailure(refreshed, TimeSpan.FromSeconds(_options.DiscoveryRefreshSeconds));
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // A failing refresh must never stop the feed (nor, through the host, the silo).
                    FeedLog.Unexpected(_logger, ex, DiscoveryName);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            Task[] running;
            lock (_connections)
            {
                running = _connectionTasks.ToArray();
            }

            await Task.WhenAll(running).ConfigureAwait(false);
        }
    }

    private void ReportDiscoveryFailure(DiscoveryResult result, TimeSpan retryIn)
    {
        if (result.ConnectError is { } connectError)
        {
            _context.ReportConnectFailure(DiscoveryName, connectError, retryIn);
            return;
        }

        _status.RecordError($"discovery: {result.Error}");
        FeedLog.DiscoveryFailed(_logger, result.Error ?? "unknown", retryIn.TotalSeconds);
    }

    /// <summary>One discovery pass over a short-lived connection (kept out of the ticker connections' way).</summary>
    private async Task<DiscoveryResult> DiscoverAsync(CancellationToken cancellationToken)
    {
        var breaker = _context.Breaker;
        var probe = await breaker.AcquireAsync(cancellationToken).ConfigureAwait(false);
        DeribitSession session;
        try
        {
            session = await DeribitSession.ConnectAsync(_context, DiscoveryName, channels: null, cancellationToken).ConfigureAwait(false);
        }
        catch (DeribitConnectException ex)
        {
            breaker.RecordFailure();
            return new DiscoveryResult(null, ex.Message, ex);
        }
        catch (OperationCanceledException)
        {
            breaker.Abandon(probe);
            throw;
        }

        await using (session.ConfigureAwait(false))
        {
            breaker.RecordSuccess();
            _context.ReportConnected();
            try
            {
                var found = new Dictionary<string, InstrumentInfo>(StringComparer.Ordinal);
                if (_options.UsesExplicitInstruments)
                {
                    // "any" lists every currency in one call; fall back to the configured currencies if refused.
                    var error = await QueryAsync(session, "any", null, found, cancellationToken).ConfigureAwait(false);
                    if (error is not null)
                    {
                        found.Clear();
                        foreach (var currency in _options.Currencies)
                        {
                            error = await QueryAsync(session, currency, null, found, cancellationToken).ConfigureAwait(false);
                            if (error is not null)
                            {
                                return new DiscoveryResult(null, error);
                            }
                        }
                    }
                }
                else
                {
                    foreach (var currency in _options.Currencies)
                    {
                        foreach (var kind in _options.Kinds)
                        {
                            var error = await QueryAsync(session, currency, kind, found, cancellationToken).ConfigureAwait(false);
                            if (error is not null)
                            {
                                return new DiscoveryResult(null, error);
                            }
                        }
                    }
                }

                await session.CloseAsync().ConfigureAwait(false);
                return new DiscoveryResult(found, null);
            }
            catch (SessionEndedException ex)
            {
                return new DiscoveryResult(null, ex.Message);
            }
            catch (System.Text.Json.JsonException ex)
            {
                return new DiscoveryResult(null, $"unreadable get_instruments answer: {ex.Message}");
            }
        }
    }

    /// <summary>Adds the active instruments of one get_instruments call; returns an error text on failure.</summary>
    private async Task<string?> QueryAsync(DeribitSession session, string currency, string? kind, Dictionary<string, InstrumentInfo> found, CancellationToken cancellationToken)
    {
        await _context.DiscoveryPacer.WaitAsync(cancellationToken).ConfigureAwait(false);
        var response = await session.CallAsync("public/get_instruments", w =>
        {
            w.WriteString("currency"u8, currency);
            if (kind is not null)
            {
                w.WriteString("kind"u8, kind);
            }

            w.WriteBoolean("expired"u8, false);
        }, cancellationToken).ConfigureAwait(false);

        if (response.IsError)
        {
            return $"public/get_instruments {currency} {kind}: {response.ErrorCode} {response.ErrorMessage}";
        }

        foreach (var instrument in InstrumentListParser.Parse(response.Result, out _))
        {
            if (instrument.IsActive)
            {
                found[instrument.InstrumentName] = instrument;
            }
        }

        return null;
    }

    /// <summary>Turns a discovery result into subscriptions: delisted ones out, new ones in, then tells the sink.</summary>
    private void Apply(Dictionary<string, InstrumentInfo> found, CancellationToken stoppingToken)
    {
        Dictionary<string, InstrumentInfo> current;
        if (_options.UsesExplicitInstruments)
        {
            current = new Dictionary<string, InstrumentInfo>(StringComparer.Ordinal);
            var unknown = new List<string>();
            foreach (var name in _options.Instruments)
            {
                if (found.TryGetValue(name, out var info))
                {
                    current[name] = info;
                }
                else
                {
                    unknown.Add(name);
                }
            }

            var unknownText = string.Join(", ", unknown);
            if (unknownText != _reportedUnknown)
            {
                _reportedUnknown = unknownText;
                if (unknown.Count > 0)
                {
                    FeedLog.UnknownInstruments(_logger, unknown.Count, unknownText);
                    _status.RecordError($"Deribit:Instruments not listed by the exchange: {unknownText}");
                }
            }
        }
        else
        {
            current = found;
        }

        var gone = _byInstrument.Keys.Where(name => !current.ContainsKey(name)).ToList();
        var added = current.Values.Where(i => !_byInstrument.ContainsKey(i.InstrumentName)).OrderBy(i => i.InstrumentName, StringComparer.Ordinal).ToList();

        foreach (var group in gone.GroupBy(name => _byInstrument[name]))
        {
            group.Key.Remove(group.ToArray());
        }

        foreach (var name in gone)
        {
            _byInstrument.Remove(name);
        }

        if (gone.Count > 0)
        {
            NotifySink(() => _sink.OnInstrumentsDelisted(gone));
        }

        if (added.Count > 0)
        {
            // Listed before subscribing, so grains know an instrument before its first tick arrives.
            NotifySink(() => _sink.OnInstrumentsListed(added));
            Assign(added, stoppingToken);
        }

        _status.SetInstrumentsFollowed(_byInstrument.Count);
        _status.DiscoveryCompleted();
        FeedLog.DiscoveryApplied(_logger, _byInstrument.Count, added.Count, gone.Count);
    }

    private void Assign(List<InstrumentInfo> added, CancellationToken stoppingToken)
    {
        var total = _byInstrument.Count + added.Count;
        var perConnection = _options.ChannelsPerConnection;
        var target = Math.Clamp((total + perConnection - 1) / perConnection, 1, _options.MaxConnections);
        if (total > _options.MaxConnections * (long)perConnection && !_overCapacityReported)
        {
            _overCapacityReported = true;
            FeedLog.OverCapacity(_logger, total, _options.MaxConnections, perConnection);
        }

        lock (_connections)
        {
            while (_connections.Count < target)
            {
                var connection = new DeribitConnection(_context, _connections.Count);
                _connections.Add(connection);
                _connectionTasks.Add(Task.Run(() => connection.RunAsync(stoppingToken), CancellationToken.None));
            }

            _status.SetConnectionsWanted(_connections.Count);
        }

        // Least-loaded first keeps connections balanced as listings come and go.
        var connections = Connections;
        var load = connections.Select(c => c.WantedCount).ToArray();
        var batches = connections.Select(_ => new List<string>()).ToArray();
        foreach (var instrument in added)
        {
            var best = 0;
            for (var i = 1; i < load.Length; i++)
            {
                if (load[i] < load[best])
                {
                    best = i;
                }
            }

            load[best]++;
            batches[best].Add(instrument.InstrumentName);
            _byInstrument[instrument.InstrumentName] = connections[best];
        }

        for (var i = 0; i < connections.Count; i++)
        {
            if (batches[i].Count > 0)
            {
                connections[i].Add(batches[i]);
            }
        }
    }

    private void NotifySink(Action notify)
    {
        try
        {
            notify();
        }
        catch (Exception ex)
        {
            FeedLog.SinkListingFailed(_logger, ex);
        }
    }
}
