using System.Collections.Concurrent;

namespace Laevitas.DeribitSimulator.Ledger;

/// <summary>
/// What the trade and index ledgers share: every item counted, and kept in order when
/// <see cref="SimulatorOptions.RecordEmitted"/> is on, so storage can be reconciled with it value by value.
/// </summary>
/// <typeparam name="T">What is recorded.</typeparam>
public abstract class RecordingLedger<T>
{
    private readonly ConcurrentQueue<T> items = new();
    private long recorded;

    private protected RecordingLedger(bool enabled) => Enabled = enabled;

    /// <summary>Whether the items themselves are kept (the count is always kept).</summary>
    public bool Enabled { get; }

    /// <summary>Every recorded item, in the order recorded.</summary>
    public IReadOnlyList<T> Snapshot() => items.ToArray();

    /// <summary>Items recorded so far.</summary>
    private protected long Recorded => Interlocked.Read(ref recorded);

    internal void Record(T item)
    {
        Interlocked.Increment(ref recorded);
        if (Enabled)
        {
            items.Enqueue(item);
        }
    }
}
