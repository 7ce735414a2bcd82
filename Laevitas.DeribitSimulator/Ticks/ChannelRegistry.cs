using Laevitas.DeribitSimulator.Ledger;
using Laevitas.DeribitSimulator.Protocol;
using Laevitas.DeribitSimulator.Universe;

namespace Laevitas.DeribitSimulator.Ticks;

/// <summary>
/// Who is subscribed to which ticker channel. Writers (subscribe/unsubscribe, disconnects, expiries) take a lock and
/// publish new arrays; the tick engine reads <see cref="Active"/> and each feed's subscribers without locking.
/// </summary>
internal sealed class ChannelRegistry(MarketModel market, InstrumentUniverse universe, EmissionLedger ledger)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, InstrumentFeed> feeds = new(StringComparer.Ordinal);
    private InstrumentFeed[] active = [];
    private int subscriptionCount;

    /// <summary>
    /// Feeds of every instrument some client has subscribed to and that has not expired, subscribers or not: the market
    /// keeps ticking while nobody listens, so a subscription hole is ticks generated and never sent
    /// (<see cref="MarketLedger"/>).
    /// </summary>
    public InstrumentFeed[] Active => Volatile.Read(ref active);

    public int SubscriptionCount => Volatile.Read(ref subscriptionCount);

    /// <summary>
    /// Adds the subscriptions whose instrument is listed and returns those channels (in request order). One lock and
    /// one publication per call: a 500-channel subscribe does not rebuild the active list 500 times.
    /// </summary>
    public List<string> Subscribe(SimulatorConnection connection, IReadOnlyList<(string Instrument, string Channel)> requests)
    {
        var done = new List<string>(requests.Count);
        lock (gate)
        {
            var changed = false;
            foreach (var (instrumentName, channel) in requests)
            {
                if (!universe.TryGetActive(instrumentName, out var instrument)) continue;
                if (!feeds.TryGetValue(instrumentName, out var feed))
                {
                    feed = new InstrumentFeed(market.CreateTicker(instrument, UnderlyingIndexOf(instrument)));
                    feeds.Add(instrumentName, feed);
                }

                done.Add(channel);
                if (feed.Subscribers.Any(s => s.Connection == connection && s.Channel == channel)) continue;
                feed.Subscribers = [.. feed.Subscribers, new Subscriber(connection, channel, ledger.ForChannel(channel))];
                subscriptionCount++;
                changed = true;
            }

            if (changed) PublishActive();
        }

        return done;
    }

    public bool Unsubscribe(SimulatorConnection connection, string instrumentName, string channel)
    {
        lock (gate)
        {
            if (!feeds.TryGetValue(instrumentName, out var feed)) return false;
            var removed = RemoveWhere(feed, s => s.Connection == connection && s.Channel == channel);
            if (removed > 0) PublishActive();
            return removed > 0;
        }
    }

    public void RemoveConnection(SimulatorConnection connection)
    {
        lock (gate)
        {
            var removed = 0;
            foreach (var feed in feeds.Values) removed += RemoveWhere(feed, s => s.Connection == connection);
            if (removed > 0) PublishActive();
        }
    }

    /// <summary>Drops every subscription on an expired instrument; returns its feed and the subscribers that were cut.</summary>
    public (InstrumentFeed? Feed, Subscriber[] Subscribers) RemoveInstrument(string instrumentName)
    {
        lock (gate)
        {
            if (!feeds.Remove(instrumentName, out var feed)) return (null, []);
            var subscribers = feed.Subscribers;
            subscriptionCount -= subscribers.Length;
            feed.Subscribers = [];
            PublishActive();
            return (feed, subscribers);
        }
    }

    /// <summary>A subscribed channel's ticker, for faults that need a real instrument to corrupt.</summary>
    public InstrumentFeed? FeedOf(string instrumentName)
    {
        lock (gate) return feeds.GetValueOrDefault(instrumentName);
    }

    private int RemoveWhere(InstrumentFeed feed, Func<Subscriber, bool> match)
    {
        var before = feed.Subscribers;
        var after = before.Where(s => !match(s)).ToArray();
        if (after.Length == before.Length) return 0;
        feed.Subscribers = after;
        subscriptionCount -= before.Length - after.Length;
        return before.Length - after.Length;
    }

    private void PublishActive() =>
        Volatile.Write(ref active, feeds.Values.ToArray());

    /// <summary>
    /// Inverse options are priced off the future of the same expiry when one is listed, otherwise off a synthetic
    /// (<c>SYN.BTC-5AUG25</c>); linear options off the USDC index (<c>SOL_USDC</c>), as on the exchange.
    /// </summary>
    private string? UnderlyingIndexOf(SimInstrument instrument)
    {
        if (instrument.Kind != InstrumentKind.Option) return null;
        var name = instrument.InstrumentName;
        var firstDash = name.IndexOf('-');
        if (instrument.IsLinear) return name[..firstDash];
        var secondDash = name.IndexOf('-', firstDash + 1);
        var future = name[..secondDash];
        return universe.IsActive(future) ? future : "SYN." + future;
    }
}
