using Laevitas.DeribitSimulator;
using Laevitas.DeribitSimulator.Ledger;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Feed;

/// <summary>Compares what the feed handed to its sink with what the simulator recorded as sent.</summary>
internal static class FeedLedger
{
    public static string Channel(string instrument, string interval = "100ms") => $"ticker.{instrument}.{interval}";

    /// <summary>Per-channel count of ticks the simulator has sent so far.</summary>
    public static Dictionary<string, int> Marks(DeribitSimulatorServer sim) =>
        sim.Ledger.Snapshot().ToDictionary(p => p.Key, p => p.Value.Count, StringComparer.Ordinal);

    /// <summary>Every tick sent was received exactly once, in send order, per instrument; nothing else was received.</summary>
    public static void AssertExactlyOnceInOrder(DeribitSimulatorServer sim, CollectingTickSink sink, string interval = "100ms")
    {
        var sent = sim.Ledger.Snapshot();
        var received = sink.Snapshot();
        Assert.Equal(sim.Ledger.TotalSent, sink.Count);
        foreach (var (instrument, ticks) in received)
        {
            Assert.True(sent.TryGetValue(Channel(instrument, interval), out var expected), $"received ticks for {instrument}, which the simulator never sent");
            var actual = ticks.Select(t => t.Timestamp).ToArray();
            Assert.True(expected.SequenceEqual(actual), $"{instrument}: sent {expected.Count} ticks, received {actual.Length}, sequences differ");
        }

        foreach (var (channel, expected) in sent)
        {
            if (expected.Count > 0)
            {
                Assert.True(received.ContainsKey(channel["ticker.".Length..^(interval.Length + 1)]), $"nothing received on {channel}, which was sent {expected.Count} ticks");
            }
        }
    }

    /// <summary>
    /// The bound across a disconnect: per instrument, what was received is a subsequence of what was sent (no
    /// duplicates, order kept, nothing invented), and every tick sent after <paramref name="recoveredMarks"/>
    /// (taken once the feed had resubscribed every channel) was received. Ticks in doubt (their batch was on its way
    /// to the socket when the connection dropped; see <see cref="EmissionLedger"/>) may be received, not required.
    /// </summary>
    public static void AssertSubsequenceWithCompleteTail(DeribitSimulatorServer sim, CollectingTickSink sink, IReadOnlyDictionary<string, int> recoveredMarks, string interval = "100ms")
    {
        var sentOrInDoubt = sim.Ledger.SnapshotWithInDoubt();
        var received = sink.Snapshot();
        var tailTicks = 0;
        foreach (var (channel, ledger) in sentOrInDoubt)
        {
            var instrument = channel["ticker.".Length..^(interval.Length + 1)];
            var actual = received.TryGetValue(instrument, out var ticks) ? ticks.Select(t => t.Timestamp).ToArray() : [];
            var possible = ledger.Select(t => t.Timestamp).ToArray();
            var unplaced = FirstUnplaced(actual, possible);
            Assert.True(unplaced < 0, $"{instrument}: received ticks are not an in-order subsequence of the sent ones (duplicate, reordered or invented); " +
                                      (unplaced < 0 ? "" : Describe(actual, possible, unplaced)) + $"; {ledger.Count(t => t.InDoubt)} in doubt on the channel");

            var expected = ledger.Where(t => !t.InDoubt).Select(t => t.Timestamp).ToArray();
            var mark = recoveredMarks.GetValueOrDefault(channel);
            var tail = expected.Skip(mark).ToArray();
            tailTicks += tail.Length;
            Assert.True(actual.Length >= tail.Length && actual[^tail.Length..].SequenceEqual(tail),
                $"{instrument}: {tail.Length} ticks sent after recovery, but they are not all at the end of what was received");
        }

        foreach (var instrument in received.Keys)
        {
            Assert.True(sentOrInDoubt.ContainsKey(Channel(instrument, interval)), $"received ticks for {instrument}, which the simulator never sent");
        }

        Assert.True(tailTicks > 0, "no ticks were sent after recovery; the test proved nothing");
    }

    /// <summary>
    /// The index of the first received tick with no place after its predecessors in the sent sequence; -1 when the
    /// received ticks are an in-order subsequence of the sent ones.
    /// </summary>
    private static int FirstUnplaced(long[] received, IReadOnlyList<long> sent)
    {
        var j = 0;
        for (var i = 0; i < received.Length; i++)
        {
            while (j < sent.Count && sent[j] != received[i])
            {
                j++;
            }

            if (j == sent.Count)
            {
                return i;
            }

            j++;
        }

        return -1;
    }

    /// <summary>The received tick that has no place, its neighbours, and where (if anywhere) it was sent.</summary>
    private static string Describe(long[] received, IReadOnlyList<long> sent, int i)
    {
        var before = received[Math.Max(0, i - 3)..i];
        var sentAt = sent.ToList().IndexOf(received[i]);
        return $"received[{i}] = {received[i]} (of {received.Length}) after [{string.Join(", ", before)}]; it is sent[{sentAt}] of {sent.Count} " +
               $"(-1: never sent); received next: [{string.Join(", ", received.Skip(i + 1).Take(3))}]";
    }
}
