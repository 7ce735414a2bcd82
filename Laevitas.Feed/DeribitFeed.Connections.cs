using Laevitas.Grains.Abstractions.Instruments;

namespace Laevitas.Feed;

// Connection assignment: which channels go on which connection. Starts connections as the followed set grows, spreads
// new instruments over the least-loaded ones (an instrument never moves), places the market channels once, removes
// delisted instruments from their connection, and tells the sink about listings and delistings.
public sealed partial class DeribitFeed
{
    private readonly Dictionary<string, DeribitConnection> byInstrument = new(StringComparer.Ordinal);
    private readonly List<DeribitConnection> connections = [];
    private readonly List<Task> connectionTasks = [];
    private bool overCapacityReported;
    private bool marketChannelsAssigned;

    /// <summary>Connections the feed currently runs (for tests and diagnostics).</summary>
    internal IReadOnlyList<DeribitConnection> Connections
    {
        get { lock (connections) { return connections.ToArray(); } }
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
