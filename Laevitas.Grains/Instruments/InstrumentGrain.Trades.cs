using Laevitas.Grains.Abstractions.Trades;
using Laevitas.Grains.Publishing;
using Microsoft.Extensions.DependencyInjection;

namespace Laevitas.Grains.Instruments;

/// <summary>
/// The instrument's trades: the same path as its ticks (accepted once, published, answered once durable), with
/// their own accept rule (<see cref="TradeAcceptWindow"/>, on <c>trade_seq</c>) and their own topic.
/// </summary>
/// <remarks>
/// Kept in this file so that the tick path in <c>InstrumentGrain.cs</c> stays as it is; the two share only the
/// state object (persisted on the same timer, never per trade) and the options.
/// </remarks>
public sealed partial class InstrumentGrain
{
    /// <summary>Trades remembered per instrument (see <see cref="TradeAcceptWindow"/>).</summary>
    internal const int TradeWindowCapacity = 1024;

    private TradeAcceptWindow? tradeWindow;

    // Publishes of accepted trades not yet known to be durable, with the trade_seqs they carry (to forget on failure).
    private readonly List<(Task Durable, long[] Seqs)> tradePublishes = [];

    // Resolved here rather than in the constructor so the tick path's constructor is left alone.
    private ITradePublisher? tradePublisher;

    public async Task ReceiveTradesAsync(TradeBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        tradeWindow ??= new TradeAcceptWindow(TradeWindowCapacity);
        tradePublisher ??= ServiceProvider.GetRequiredService<ITradePublisher>();
        var (trades, seqs) = AcceptTrades(batch.Trades);
        Task? durable = null;
        if (trades.Length > 0)
        {
            try
            {
                durable = tradePublisher.PublishAsync(trades);
            }
            catch
            {
                // Not handed over: the dispatcher's retry must be taken for a new trade, not a copy.
                tradeWindow.Forget(seqs);
                throw;
            }

            tradePublishes.Add((durable, seqs));
            var s = state.State;
            foreach (var trade in trades)
            {
                if (trade.TradeSeq is { } seq && (s.LastTradeSeq is not { } last || seq > last))
                {
                    s.LastTradeSeq = seq;
                    s.LastTradeTimestamp = trade.Timestamp;
                    s.LastTradePayload = trade.Payload;
                }
            }

            s.TradesSeen += trades.Length;
            dirty = true;
        }

        // As for ticks: a dispatcher on another silo is answered once every trade accepted so far is durable (a copy
        // dropped here may have been accepted from the other feed and still be on its way to the broker).
        PruneTradePublishes();
        if (tradePublishes.Count > 0 && options.DeliveryWait > TimeSpan.Zero && !localSilo.Equals(batch.Sender))
        {
            try
            {
                await Task.WhenAll(tradePublishes.Select(p => p.Durable)).WaitAsync(options.DeliveryWait);
            }
            catch
            {
                // Timed out: still queued in the producer, delivered when the broker answers (the publisher spools
                // meanwhile). Failed: handled below for this call's own trades, by the failed call for the others.
            }

            PruneTradePublishes();
        }

        if (durable is { IsCompleted: true, IsCompletedSuccessfully: false })
        {
            // The spool could not take them: forgotten by the window (PruneTradePublishes), and the failed call makes
            // the dispatcher send them again. Trades whose publish fails after a local dispatcher was answered are
            // forgotten too, so the other feed's copies are published.
            await durable;
        }
    }

    /// <summary>The trades of the batch to publish, in order, and the trade_seqs accepted with them.</summary>
    private (RawTrade[] Trades, long[] Seqs) AcceptTrades(RawTrade[] trades)
    {
        var kept = new List<RawTrade>(trades.Length);
        var seqs = new List<long>(trades.Length);
        var copies = 0;
        foreach (var trade in trades)
        {
            if (trade.TradeSeq is not { } seq)
            {
                // Nothing to recognise a copy by: passed on from every feed, and stored once by (currency, trade_id).
                kept.Add(trade);
                continue;
            }

            if (tradeWindow!.Offer(seq))
            {
                kept.Add(trade);
                seqs.Add(seq);
            }
            else
            {
                copies++;
            }
        }

        if (copies > 0)
        {
            state.State.TradeDuplicatesDropped += copies;
            acceptStatus.AddTradeDuplicates(copies);
            dirty = true;
        }

        return (kept.Count == trades.Length ? trades : kept.ToArray(), seqs.ToArray());
    }

    private void PruneTradePublishes()
    {
        tradePublishes.RemoveAll(p =>
        {
            if (!p.Durable.IsCompleted)
            {
                return false;
            }

            if (!p.Durable.IsCompletedSuccessfully)
            {
                tradeWindow?.Forget(p.Seqs);
            }

            return true;
        });
    }

    /// <summary>The trade part of the snapshot.</summary>
    private InstrumentSnapshotTrades SnapshotTrades()
    {
        var s = state.State;
        return new InstrumentSnapshotTrades(s.TradesSeen, s.LastTradePayload, s.LastTradeTimestamp, s.TradeDuplicatesDropped);
    }

    private readonly record struct InstrumentSnapshotTrades(long Seen, byte[]? LastPayload, long? LastTimestamp, long Duplicates);
}
