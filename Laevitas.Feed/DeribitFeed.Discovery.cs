using Laevitas.Grains.Abstractions.Instruments;

namespace Laevitas.Feed;

// Discovery: which instruments the feed follows. The periodic get_instruments poll on a short-lived discovery session,
// the explicit Instruments list checked against it, and the instrument.state notifications applied between polls.
// What it finds goes to Drop and Follow (DeribitFeed.Connections.cs), which place it on the connections.
public sealed partial class DeribitFeed
{
    private const string DiscoveryName = "deribit-discovery";
    private string reportedUnknown = "";

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
}
