namespace Laevitas.DeribitSimulator.Ledger;

/// <summary>The timestamps sent on one channel, in send order. Appended by connection senders, read by tests.</summary>
internal sealed class ChannelLedger(string channel)
{
    private readonly List<long> timestamps = new();

    public string Channel { get; } = channel;

    public void Add(long timestamp)
    {
        lock (timestamps) timestamps.Add(timestamp);
    }

    public long[] Snapshot()
    {
        lock (timestamps) return timestamps.ToArray();
    }
}
