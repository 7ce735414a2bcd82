using Laevitas.Grains.Abstractions.Instruments;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Laevitas.Feed;

/// <summary>
/// The Deribit ticker feed. Discovers instruments (<c>public/get_instruments</c> for Currencies × Kinds, or the
/// explicit Instruments list), spreads their ticker channels over up to MaxConnections connections, refreshes
/// discovery periodically (new listings subscribed, expired or delisted ones unsubscribed and reported), follows
/// <c>instrument.state</c> notifications so listing changes take effect within seconds between polls, and
/// hands every tick to the <see cref="ITickSink"/>. An instrument stays on one connection for its lifetime,
/// which keeps the exchange's per-instrument ordering intact end to end.
/// </summary>
public sealed class DeribitFeed : BackgroundService
{
    private const string DiscoveryName = "deribit-discovery";

    private readonly DeribitOptions options;
    private readonly ITickSink sink;
    private readonly FeedStatus status;
    private readonly ILogger<DeribitFeed> logger;
    private readonly FeedContext context;
    private readonly Dictionary<string, DeribitConnection> byInstrument = new(StringComparer.Ordinal);
    private readonly List<DeribitConnection> connections = [];
    private readonly List<Task> connectionTasks = [];
    private string reportedUnknown = "";
    private bool overCapacityReported;
    private bool marketChannelsAssigned;

    public DeribitFeed(IOptions<DeribitOptions> options, ITickSink sink, FeedStatus status, FeedMetrics metrics, TimeProvider time, ILogger<DeribitFeed> logger)
    {
        // The metrics instruments live as long as the meter; taking them here makes sure they are created.
        _ = metrics;
        this.options = options.Value;
        this.sink = sink;
        this.status = status;
        this.logger = logger;
        context = new FeedContext(this.options, sink, status, time, logger);
    }

    /// <summary>Connections the feed currently runs (for tests and diagnostics).</summary>
    internal IReadOnlyList<DeribitConnection> Connections
    {
        get { lock (connections) { return connections.ToArray(); } }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        status.Endpoint = options.Url;
        FeedLog.Starting(logger, options.Url, options.Interval,
            options.UsesExplicitInstruments
                ? $"{options.Instruments.Count} explicit instruments"
                : $"discovery of {string.Join(",", options.Currencies)} x {string.Join(",", options.Kinds)}");
        try
        {
            var backoff = new ReconnectBackoff(options.ReconnectMinDelaySeconds, options.ReconnectMaxDelaySeconds, options.ReconnectJitter);
            while (true)
            {
                DiscoveryResult first;
                try
                {
                    first = await DiscoverAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    FeedLog.Unexpected(logger, ex, DiscoveryName);
                    first = new DiscoveryResult(null, $"unexpected {ex.GetType().Name}: {ex.Message}");
                }

                if (first.Instruments is not null)
                {
                    Apply(first.Instruments, stoppingToken);
                    break;
                }

                var delay = backoff.Next();
                ReportDiscoveryFailure(first, delay);
                await Task.Delay(delay, context.Time, stoppingToken).ConfigureAwait(false);
            }

            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.DiscoveryRefreshSeconds), context.Time);
            // One loop for the poll and the instrument.state notifications: the followed set changes in one place, and
            // at most one short-lived discovery connection is open at a time (the exchange's per-IP budget counts it).
            var pollDue = timer.WaitForNextTickAsync(stoppingToken).AsTask();
            var listingEvent = context.ListingEvents.Reader.WaitToReadAsync(stoppingToken).AsTask();
            while (true)
            {
                var woken = await Task.WhenAny(pollDue, listingEvent).ConfigureAwait(false);
                try
                {
                    if (woken == listingEvent)
                    {
                        await listingEvent.ConfigureAwait(false);
                        await ApplyListingEventsAsync(stoppingToken).ConfigureAwait(false);
                        listingEvent = context.ListingEvents.Reader.WaitToReadAsync(stoppingToken).AsTask();
                        continue;
                    }

                    if (!await pollDue.ConfigureAwait(false))
                    {
                        break;
                    }

                    pollDue = timer.WaitForNextTickAsync(stoppingToken).AsTask();
                    await RefreshAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // A failing refresh or listing change must never stop the feed (nor, through the host, the silo).
                    FeedLog.Unexpected(logger, ex, DiscoveryName);
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
            lock (connections)
            {
                running = connectionTasks.ToArray();
            }

            await Task.WhenAll(running).ConfigureAwait(false);
        }
    }

    /// <summary>The periodic poll: the whole configured market listed again and reconciled with what is followed.</summary>
    private async Task RefreshAsync(CancellationToken stoppingToken)
    {
        var refreshed = await DiscoverAsync(stoppingToken).ConfigureAwait(false);
        if (refreshed.Instruments is not null)
        {
            Apply(refreshed.Instruments, stoppingToken);
        }
        else
        {
            // Keep following what we have; a failed refresh must not look like a mass delisting.
            ReportDiscoveryFailure(refreshed, TimeSpan.FromSeconds(options.DiscoveryRefreshSeconds));
        }
    }

    private void ReportDiscoveryFailure(DiscoveryResult result, TimeSpan retryIn)
    {
        if (result.ConnectError is { } connectError)
        {
            context.ReportConnectFailure(DiscoveryName, connectError, retryIn);
            return;
        }

        status.RecordError($"discovery: {result.Error}");
        FeedLog.DiscoveryFailed(logger, result.Error ?? "unknown", retryIn.TotalSeconds);
    }

    /// <summary>One discovery pass of the whole configured market.</summary>
    private Task<DiscoveryResult> DiscoverAsync(CancellationToken cancellationToken) => DiscoverAsync(QueryMarketAsync, cancellationToken);

    /// <summary>
    /// One discovery session, a short-lived connection kept out of the ticker connections' way, making the
    /// get_instruments calls of <paramref name="query"/> (which returns an error text, or null once it found what it asks).
    /// </summary>
    private async Task<DiscoveryResult> DiscoverAsync(
        Func<DeribitSession, Dictionary<string, InstrumentInfo>, CancellationToken, Task<string?>> query, CancellationToken cancellationToken)
    {
        var breaker = context.Breaker;
        var probe = await breaker.AcquireAsync(cancellationToken).ConfigureAwait(false);
        DeribitSession session;
        try
        {
            session = await DeribitSession.ConnectAsync(context, DiscoveryName, channels: null, cancellationToken).ConfigureAwait(false);
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
            context.ReportConnected();
            try
            {
                var found = new Dictionary<string, InstrumentInfo>(StringComparer.Ordinal);
                var error = await query(session, found, cancellationToken).ConfigureAwait(false);
                if (error is not null)
                {
                    return new DiscoveryResult(null, error);
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

    /// <summary>The configured market: Currencies × Kinds, or every currency for explicit instruments.</summary>
    private async Task<string?> QueryMarketAsync(DeribitSession session, Dictionary<string, InstrumentInfo> found, CancellationToken cancellationToken)
    {
        if (options.UsesExplicitInstruments)
        {
            // "any" lists every currency in one call; fall back to the configured currencies if refused.
            if (await QueryAsync(session, DeribitOptions.AnyCurrency, null, found, cancellationToken).ConfigureAwait(false) is null)
            {
                return null;
            }

            found.Clear();
            return await QueryEachAsync(session, options.Currencies.Select(currency => (currency, (string?)null)), found, cancellationToken).ConfigureAwait(false);
        }

        return await QueryEachAsync(session, options.Currencies.SelectMany(currency => options.Kinds.Select(kind => (currency, (string?)kind))), found,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One get_instruments call per (currency, kind); the first error ends the pass.</summary>
    private async Task<string?> QueryEachAsync(DeribitSession session, IEnumerable<(string Currency, string? Kind)> markets,
        Dictionary<string, InstrumentInfo> found, CancellationToken cancellationToken)
    {
        foreach (var (currency, kind) in markets)
        {
            var error = await QueryAsync(session, currency, kind, found, cancellationToken).ConfigureAwait(false);
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    /// <summary>Adds the active instruments of one get_instruments call; returns an error text on failure.</summary>
    private async Task<string?> QueryAsync(DeribitSession session, string currency, string? kind, Dictionary<string, InstrumentInfo> found, CancellationToken cancellationToken)
    {
        await context.DiscoveryPacer.WaitAsync(cancellationToken).ConfigureAwait(false);
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
        if (options.UsesExplicitInstruments)
        {
            current = new Dictionary<string, InstrumentInfo>(StringComparer.Ordinal);
            var unknown = new List<string>();
            foreach (var name in options.Instruments)
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
            if (unknownText != reportedUnknown)
            {
                reportedUnknown = unknownText;
                if (unknown.Count > 0)
                {
                    FeedLog.UnknownInstruments(logger, unknown.Count, unknownText);
                    status.RecordError($"Deribit:Instruments not listed by the exchange: {unknownText}");
                }
            }
        }
        else
        {
            current = found;
        }

        var gone = byInstrument.Keys.Where(name => !current.ContainsKey(name)).ToList();
        var added = current.Values.Where(i => !byInstrument.ContainsKey(i.InstrumentName)).OrderBy(i => i.InstrumentName, StringComparer.Ordinal).ToList();
        Drop(gone);
        Follow(added, stoppingToken);
        status.DiscoveryCompleted();
        FeedLog.DiscoveryApplied(logger, byInstrument.Count, added.Count, gone.Count);
    }

    /// <summary>
    /// Applies the instrument.state notifications queued so far: ended listings are dropped at once; opened ones are
    /// looked up (get_instruments of the channel's kind and currency, one call for a whole burst such as a new expiry's
    /// strikes, since the notification carries only the name) and followed. Whatever fails here the next poll reconciles.
    /// </summary>
    private async Task ApplyListingEventsAsync(CancellationToken stoppingToken)
    {
        // The last state of each instrument wins: created then terminated within one batch is nothing to follow.
        var latest = new Dictionary<string, InstrumentStateEvent>(StringComparer.Ordinal);
        while (context.ListingEvents.Reader.TryRead(out var notification))
        {
            FeedLog.ListingEvent(logger, notification.InstrumentName, notification.State.Name(), notification.Channel);
            if (Wanted(notification.InstrumentName))
            {
                latest[notification.InstrumentName] = notification;
            }
        }

        var gone = latest.Values.Where(e => e.State.Ends() && byInstrument.ContainsKey(e.InstrumentName)).Select(e => e.InstrumentName).ToList();
        var opened = latest.Values.Where(e => e.State.Opens() && !byInstrument.ContainsKey(e.InstrumentName)).ToList();
        Drop(gone);
        var added = await LookUpAsync(opened, stoppingToken).ConfigureAwait(false);
        Follow(added, stoppingToken);
        if (gone.Count > 0 || opened.Count > 0)
        {
            FeedLog.ListingsApplied(logger, byInstrument.Count, added.Count, opened.Count - added.Count, gone.Count);
        }
    }

    /// <summary>With explicit instruments only those are acted on; otherwise the channels' kinds and currencies are the filter.</summary>
    private bool Wanted(string instrumentName) =>
        !options.UsesExplicitInstruments || options.Instruments.Contains(instrumentName, StringComparer.Ordinal);

    /// <summary>The opened instruments that get_instruments lists as active (one call per kind and currency concerned).</summary>
    private async Task<List<InstrumentInfo>> LookUpAsync(List<InstrumentStateEvent> opened, CancellationToken stoppingToken)
    {
        var markets = opened.Select(e => e.Market()).OfType<(string Kind, string Currency)>().Distinct().ToList();
        if (markets.Count == 0)
        {
            return [];
        }

        var result = await DiscoverAsync((session, found, cancellationToken) =>
            QueryEachAsync(session, markets.Select(m => (m.Currency, (string?)m.Kind)), found, cancellationToken), stoppingToken).ConfigureAwait(false);
        if (result.Instruments is not { } found)
        {
            // Not retried here: the next poll follows them, and a "started" notification often comes first.
            FeedLog.ListingLookupFailed(logger, opened.Count, result.Error ?? "unknown");
            return [];
        }

        // Not yet active ("created" before the book opens): its "started" notification, or the poll, follows it.
        return opened.Select(e => found.GetValueOrDefault(e.InstrumentName)).OfType<InstrumentInfo>()
            .OrderBy(i => i.InstrumentName, StringComparer.Ordinal).ToList();
    }

    /// <summary>Unsubscribes instruments that left the listing and tells the sink.</summary>
    private void Drop(List<string> gone)
    {
        foreach (var group in gone.GroupBy(name => byInstrument[name]))
        {
            group.Key.Remove(group.ToArray());
        }

        foreach (var name in gone)
        {
            byInstrument.Remove(name);
        }

        if (gone.Count > 0)
        {
            NotifySink(() => sink.OnInstrumentsDelisted(gone));
        }

        PublishFollowed();
    }

    /// <summary>Tells the sink about new instruments, then subscribes them.</summary>
    private void Follow(List<InstrumentInfo> added, CancellationToken stoppingToken)
    {
        if (added.Count > 0)
        {
            // Listed before subscribing, so grains know an instrument before its first tick arrives.
            NotifySink(() => sink.OnInstrumentsListed(added));
            Assign(added, stoppingToken);
        }

        PublishFollowed();
    }

    private void PublishFollowed()
    {
        status.SetInstrumentsFollowed(byInstrument.Count);
        status.SetChannelsWanted(Connections.Sum(c => c.WantedCount));
    }

    private void Assign(List<InstrumentInfo> added, CancellationToken stoppingToken)
    {
        var marketChannels = options.MarketChannels();
        var channelsPerInstrument = options.TradesPerInstrument ? 2 : 1;
        // The budget is in channels: trades channels take their share of the connections like ticker channels.
        var total = (byInstrument.Count + added.Count) * channelsPerInstrument + marketChannels.Count;
        var perConnection = options.ChannelsPerConnection;
        var target = Math.Clamp((total + perConnection - 1) / perConnection, 1, options.MaxConnections);
        if (total > options.MaxConnections * (long)perConnection && !overCapacityReported)
        {
            overCapacityReported = true;
            FeedLog.OverCapacity(logger, total, options.MaxConnections, perConnection);
        }

        lock (this.connections)
        {
            while (this.connections.Count < target)
            {
                var connection = new DeribitConnection(context, this.connections.Count);
                this.connections.Add(connection);
                connectionTasks.Add(Task.Run(() => connection.RunAsync(stoppingToken), CancellationToken.None));
            }

            status.SetConnectionsWanted(this.connections.Count);
        }

        // Least-loaded first keeps connections balanced as listings come and go.
        var connections = Connections;
        if (!marketChannelsAssigned && marketChannels.Count > 0)
        {
            // The market's trades and instrument.state channels never change (the kinds and currencies are
            // configuration): once, on the least-loaded connection, before the instruments are spread so they balance
            // around them. One connection only, so each listing event arrives once.
            marketChannelsAssigned = true;
            connections.MinBy(c => c.WantedCount)!.AddMarketChannels(marketChannels);
        }

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
            byInstrument[instrument.InstrumentName] = connections[best];
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
            FeedLog.SinkListingFailed(logger, ex);
        }
    }
}
