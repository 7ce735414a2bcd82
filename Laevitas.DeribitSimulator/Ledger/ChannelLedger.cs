namespace Laevitas.DeribitSimulator.Ledger;

/// <summary>
/// The timestamps sent on one channel, in send order, and apart from them the ones in doubt (see
/// <see cref="EmissionLedger"/>). Appended by connection senders, read by tests.
/// </summary>
internal sealed class ChannelLedger(string channel)
{
    private readonly List<LedgerTick> ticks = new();

    public string Channel { get; } = channel;

    public void Add(long timestamp)
    {
        lock (ticks) ticks.Add(new LedgerTick(timestamp, InDoubt: false));
    }

    /// <summary>
    /// A tick whose batch failed to commit. Placed by its timestamp (a channel's ticks are sent in timestamp order):
    /// the failing connection may record it after a new connection has already sent later ticks of the channel.
    /// </summary>
    public void AddInDoubt(long timestamp)
    {
        lock (ticks)
        {
            var at = ticks.Count;
            while (at > 0 && ticks[at - 1].Timestamp > timestamp)
            {
                at--;
            }

            ticks.Insert(at, new LedgerTick(timestamp, InDoubt: true));
        }
    }

    /// <summary>The ticks sent (committed), in send order.</summary>
    public long[] Snapshot()
    {
        lock (ticks) return ticks.Where(t => !t.InDoubt).Select(t => t.Timestamp).ToArray();
    }

    /// <summary>The ticks sent and the ticks in doubt, in send order.</summary>
    public LedgerTick[] SnapshotWithInDoubt()
    {
        lock (ticks) return ticks.ToArray();
    }
}
