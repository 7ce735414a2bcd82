using System.Collections.Concurrent;

namespace Laevitas.DeribitSimulator.Ledger;

/// <summary>
/// What the simulator actually sent: per channel the ordered timestamps (when <see cref="SimulatorOptions.RecordEmitted"/>
/// is on) and the total ticker notifications written to sockets. A tick counts once its frame was handed to the
/// socket; ticks queued for a connection that dropped before sending are not in the ledger.
/// </summary>
/// <remarks>
/// A connection sends its ticks in batches and a batch counts as sent once its write to the socket completed. When the
/// connection drops during that write, part of the batch may have reached the client and part not: those ticks are
/// neither sent nor discarded but <em>in doubt</em>, kept apart (<see cref="SnapshotWithInDoubt"/>,
/// <see cref="InDoubtCount"/>). A client may have received them, so a check that what it received was sent must
/// accept them; it must not require them.
/// </remarks>
public sealed class EmissionLedger
{
    private readonly ConcurrentDictionary<string, ChannelLedger> channels = new(StringComparer.Ordinal);
    private long totalSent;
    private long totalInDoubt;

    internal EmissionLedger(bool enabled) => Enabled = enabled;

    /// <summary>Whether per-channel timestamps are kept (the total is always counted).</summary>
    public bool Enabled { get; }

    /// <summary>Ticker notifications written to sockets so far, across all connections.</summary>
    public long TotalSent => Interlocked.Read(ref totalSent);

    /// <summary>Channels with at least one recorded tick.</summary>
    public IReadOnlyCollection<string> Channels => channels.Keys.ToArray();

    /// <summary>Timestamps sent on <paramref name="channel"/> (e.g. <c>ticker.BTC-PERPETUAL.100ms</c>), in send order.</summary>
    public IReadOnlyList<long> TimestampsFor(string channel) =>
        channels.TryGetValue(channel, out var ledger) ? ledger.Snapshot() : [];

    /// <summary>Every channel's timestamps.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<long>> Snapshot() =>
        channels.ToDictionary(p => p.Key, p => (IReadOnlyList<long>)p.Value.Snapshot(), StringComparer.Ordinal);

    /// <summary>Every channel's ticks, sent and in doubt, in send order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<LedgerTick>> SnapshotWithInDoubt() =>
        channels.ToDictionary(p => p.Key, p => (IReadOnlyList<LedgerTick>)p.Value.SnapshotWithInDoubt(), StringComparer.Ordinal);

    /// <summary>Ticks whose batch failed to commit while the connection dropped: they may or may not have reached the client.</summary>
    public long InDoubtCount => Interlocked.Read(ref totalInDoubt);

    /// <summary>Ticks recorded across all channels (equals <see cref="TotalSent"/> when recording is on).</summary>
    public long RecordedCount => channels.Values.Sum(c => (long)c.Snapshot().Length);

    internal ChannelLedger? ForChannel(string channel) =>
        Enabled ? channels.GetOrAdd(channel, static c => new ChannelLedger(c)) : null;

    internal long CountSent() => Interlocked.Increment(ref totalSent);

    internal void CountInDoubt() => Interlocked.Increment(ref totalInDoubt);
}
