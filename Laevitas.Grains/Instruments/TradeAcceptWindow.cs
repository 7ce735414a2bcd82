namespace Laevitas.Grains.Instruments;

/// <summary>
/// The <c>trade_seq</c>s one instrument grain has accepted recently, so that each trade is published once however
/// many feeds deliver it. Holds at most <c>capacity</c> of them; the oldest (in arrival order) is forgotten first,
/// and the highest forgotten one becomes the floor: anything at or below it is taken for a copy.
/// </summary>
/// <remarks>
/// <para>Why <c>trade_seq</c> and not <c>trade_id</c>: the grain is the instrument's and <c>trade_seq</c> is
/// Deribit's sequence number of a trade within its instrument, so here it identifies a trade on its own; it is a
/// number (8 bytes per remembered trade, where <c>trade_id</c>, unique only per currency, would be a string each),
/// and it increases, which is what lets a floor stand for every forgotten trade and so bounds the memory. The store's
/// key stays (currency, trade_id), so whatever this window lets through twice is still stored once.</para>
/// <para>Why a count and not a time span: the busiest instruments (perpetuals) print tens of trades a second at
/// peaks, most options a few a day; the copies of two feeds arrive within seconds of each other, so the last
/// <c>capacity</c> trades cover the copies of the busiest instrument while an idle option holds a handful. A trade
/// that one feed missed and the other delivers only after <c>capacity</c> newer trades of the same instrument is
/// dropped as too old (counted with the duplicates).</para>
/// <para>Not persisted: a reactivated grain starts empty and accepts each copy once more, so after a crash or a
/// move the other feed's copies are published again and the writer's key absorbs them; remembering a trade whose
/// publish had not completed would instead drop the only copy that could still reach Kafka.</para>
/// </remarks>
internal sealed class TradeAcceptWindow(int capacity)
{
    private readonly HashSet<long> seen = [];
    private readonly Queue<long> arrival = new();
    private long? floor;

    public int Count => seen.Count;

    /// <summary>True when <paramref name="tradeSeq"/> is new (and is now remembered); false for a copy or one too old.</summary>
    public bool Offer(long tradeSeq)
    {
        if (floor is { } f && tradeSeq <= f)
        {
            return false;
        }

        if (!seen.Add(tradeSeq))
        {
            return false;
        }

        arrival.Enqueue(tradeSeq);
        if (arrival.Count > capacity)
        {
            var evicted = arrival.Dequeue();
            seen.Remove(evicted);
            floor = floor is { } current && current > evicted ? current : evicted;
        }

        return true;
    }

    /// <summary>
    /// Forgets accepted trades whose publishing failed, so that the next copy (the dispatcher's retry, or another
    /// feed's) is accepted and published. One already below the floor stays forgotten for good: the floor only rises.
    /// </summary>
    public void Forget(IEnumerable<long> tradeSeqs)
    {
        foreach (var tradeSeq in tradeSeqs)
        {
            seen.Remove(tradeSeq);
        }
    }
}
