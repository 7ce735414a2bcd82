using Laevitas.DeribitSimulator.Protocol;

namespace Laevitas.DeribitSimulator.Trades;

/// <summary>
/// Who is subscribed to which <c>trades.*</c> channel. Writers take a lock and publish a new array; the trade engine
/// reads <see cref="All"/> without locking (the same copy-on-write pattern as the ticker registry).
/// </summary>
internal sealed class TradeSubscriptions
{
    private readonly Lock gate = new();
    private (Subscriber Subscriber, TradeChannelFilter Filter)[] all = [];

    public (Subscriber Subscriber, TradeChannelFilter Filter)[] All => Volatile.Read(ref all);

    public int Count => All.Length;

    /// <summary>Adds the subscription unless the connection already has it; false if the channel is not a trades channel.</summary>
    public bool Subscribe(SimulatorConnection connection, string channel)
    {
        if (!ChannelName.TryParseTrades(channel, out var filter)) return false;
        lock (gate)
        {
            if (all.Any(s => s.Subscriber.Connection == connection && s.Subscriber.Channel == channel)) return true;
            Volatile.Write(ref all, [.. all, (new Subscriber(connection, channel, null), filter)]);
        }

        return true;
    }

    public bool Unsubscribe(SimulatorConnection connection, string channel)
    {
        lock (gate)
        {
            var after = all.Where(s => !(s.Subscriber.Connection == connection && s.Subscriber.Channel == channel)).ToArray();
            if (after.Length == all.Length) return false;
            Volatile.Write(ref all, after);
            return true;
        }
    }

    public void RemoveConnection(SimulatorConnection connection)
    {
        lock (gate)
        {
            Volatile.Write(ref all, all.Where(s => s.Subscriber.Connection != connection).ToArray());
        }
    }
}
