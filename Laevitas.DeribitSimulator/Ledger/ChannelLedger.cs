namespace Laevitas.DeribitSimulator.Ledger;

/// <summary>The timestamps sent on one channel, in send order. Appended by connection senders, read by tests.</summary>
internal sealed class ChannelLedger(string channel)
{
    private readonly List<long> _timestamps = new();

    public string Channel { get; } = channel;

    public void Add(long timestamp)
    {
        lock (_timestamps) _timestamps.Add(timestamp);
    }

    public long[] Snapshot()
    {
        lock (_timestamps) return _timestamps.ToArray();
    }
}
