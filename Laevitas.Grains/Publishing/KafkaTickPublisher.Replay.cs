using System.Collections.Concurrent;
using Confluent.Kafka;
using Laevitas.Grains.Abstractions.Ticks;

namespace Laevitas.Grains.Publishing;

// The spool's way back to the broker: the replay loop, and moving what the producer holds into the spool when the
// broker falls silent, the producer fails for good (replaced) or the silo stops.
public sealed partial class KafkaTickPublisher
{
    private async Task ReplayLoopAsync(CancellationToken cancellationToken)
    {
        var batch = new List<RawTick>(options.ReplayBatchSize);
        var next = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (!spoolingFlag)
                {
                    if (!await spoolingStarted.WaitAsync(SilenceCheckInterval, cancellationToken).ConfigureAwait(false))
                    {
                        NoticeSilence();
                    }

                    continue;
                }

                if (fatalError)
                {
                    // What the failed producer still held goes back in front of the spool, followed by what this
                    // loop had read but not handed over yet (newer than those, older than the rest of the spool).
                    takeBackRequested = false;
                    RecreateProducer(batch.GetRange(next, batch.Count - next));
                    batch.Clear();
                    next = 0;
                }
                else if (takeBackRequested)
                {
                    takeBackRequested = false;
                    TakeBackProducerQueue(batch.GetRange(next, batch.Count - next));
                    batch.Clear();
                    next = 0;
                }

                if (next >= batch.Count)
                {
                    batch.Clear();
                    next = 0;
                    if (Interlocked.Read(ref inFlight) > replayLowWatermark)
                    {
                        await Task.Delay(ReplayPollInterval, timeProvider, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    spool!.ReadBatch(batch, options.ReplayBatchSize);
                    if (batch.Count == 0)
                    {
                        if (BrokerSilent())
                        {
                            // What was replayed still waits for an acknowledgement: new ticks keep going to the spool
                            // (on disk) until the broker answers, instead of switching back to the producer here and
                            // to the spool again on the very next publish (twice per publish, each logged).
                            await Task.Delay(ReplayPollInterval, timeProvider, cancellationToken).ConfigureAwait(false);
                            continue;
                        }

                        lock (gate)
                        {
                            // Appends happen under the gate too, so "empty" here means no tick is left behind.
                            if (spool.IsEmpty)
                            {
                                spoolingFlag = false;
                                PublisherLog.SpoolReplayed(logger, Interlocked.Read(ref spooled));
                            }
                        }

                        continue;
                    }
                }

                while (next < batch.Count && TryProduce(batch[next]))
                {
                    next++;
                }

                if (next < batch.Count)
                {
                    // The producer's queue is full again: let deliveries make room.
                    await Task.Delay(ReplayPollInterval, timeProvider, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            PublisherLog.ReplayFailed(logger, ex);
        }

        if (next < batch.Count)
        {
            // Read from the spool but not handed over: they are older than everything still in the spool.
            var rest = batch.GetRange(next, batch.Count - next);
            spool!.PrependAndSync(rest);
            AcknowledgeInSpool(rest);
        }
    }

    /// <summary>
    /// Callers' ticks wait in the producer and the broker has acknowledged nothing for <see cref="LaggingAfterMs"/>,
    /// and no publish came to notice it: switch to the spool and take the producer's queue there, as a lagging publish
    /// does, so the waiting callers are answered once their ticks are on disk.
    /// </summary>
    /// <remarks>
    /// Only callers' ticks trigger it, not outstanding messages alone. Records replayed from the spool are already on
    /// disk and have no caller: taking them back again and again while a stalled broker holds them would re-send the
    /// same records every second (a check on outstanding messages did that, and flooded the topic after a pause).
    /// A take-back empties the producer of callers' ticks, and while the broker stays silent new ones go to the spool,
    /// so it happens once per silence.
    /// </remarks>
    private void NoticeSilence()
    {
        if (purger is null || Interlocked.Read(ref awaitedInFlight) <= 0 || !BrokerSilent())
        {
            return;
        }

        lock (gate)
        {
            if (spoolingFlag || spool is not { } currentSpool)
            {
                return;
            }

            spoolingFlag = true;
            takeBackRequested = true;
            PublisherLog.SpoolingForLag(logger, LaggingAfterMs, Interlocked.Read(ref inFlight), currentSpool.DirectoryPath);
        }
    }

    /// <summary>
    /// The broker stopped acknowledging: move what the producer holds (queued and in flight) in front of the spool,
    /// followed by <paramref name="notHandedOver"/>, so that a process killed during the outage loses none of it. The
    /// callers of those ticks are answered once they are on disk. A message in flight may have reached the broker
    /// after all: replayed, it is published twice and stored once (the writer's key).
    /// </summary>
    private void TakeBackProducerQueue(IReadOnlyList<RawTick> notHandedOver)
    {
        var current = producer;
        if (current is null)
        {
            return;
        }

        var held = Math.Max(0, current.Flush(TimeSpan.Zero));
        var left = TakeBackIntoSpool(current, held, notHandedOver);
        if (left > 0)
        {
            // Still in the producer (the purge was refused, or reports were not yet served): delivered when the broker
            // answers, as before; nothing is dropped here.
            PublisherLog.TakeBackIncomplete(logger, left);
        }
    }

    /// <summary>
    /// The broker did not take everything before shutdown, or the producer failed for good: purge its queue (the purged messages come
    /// back through the delivery handler) and put those ticks in front of the spool, where the next start finds
    /// them first. Returns how many ticks are still unaccounted for.
    /// </summary>
    /// <remarks><paramref name="behind"/>: ticks read from the spool but never handed to the producer; they go in front
    /// of the spool too, behind the taken-back ones (they are newer).</remarks>
    private int TakeBackIntoSpool(IProducer<RawTick, byte[]> currentProducer, int remaining, IReadOnlyList<RawTick>? behind = null, bool atShutdown = false)
    {
        var taken = new ConcurrentQueue<(RawTick Tick, DeliveryTracker? Tracker)>();
        if (purger is null || remaining == 0)
        {
            PrependBehind();
            return remaining;
        }

        purged = taken;
        if (!purger.TryPurge(currentProducer))
        {
            purged = null;
            PrependBehind();
            return remaining;
        }

        // Serves the delivery reports of the purged messages.
        var left = currentProducer.Flush(TimeSpan.FromSeconds(5));
        purged = null;
        var reports = taken.ToList();
        // Reports of different partitions interleave, and in-flight and queued messages of one partition may be
        // reported in either order; exchange timestamps restore each instrument's order (stable for equal ones).
        var ordered = reports.Select((report, index) => (report.Tick, index))
            .OrderBy(x => x.Tick.InstrumentName, StringComparer.Ordinal)
            .ThenBy(x => x.Tick.Timestamp)
            .ThenBy(x => x.index)
            .Select(x => x.Tick)
            .ToList();
        if (behind is { Count: > 0 })
        {
            ordered.AddRange(behind);
        }

        try
        {
            spool!.PrependAndSync(ordered);
        }
        catch (Exception ex)
        {
            // The disk refused them. While running, they go back to the producer (in memory, as before the take-back);
            // at shutdown there is nothing left to hold them: their callers learn it (not safe), and they count.
            var lost = 0;
            foreach (var (tick, tracker) in reports.Concat((behind ?? []).Select(t => (Tick: t, Tracker: (DeliveryTracker?)null))))
            {
                if (atShutdown || !TryProduce(tick, tracker))
                {
                    tracker?.Fail(ex);
                    lost++;
                }
            }

            Interlocked.Add(ref dropped, lost);
            PublisherLog.TakeBackFailed(logger, reports.Count, lost, ex);
            return Math.Max(left, remaining - reports.Count);
        }

        // The copies just written stand for the originals: segments they were replayed from may go. Counted before
        // the callers are answered, so a caller that reads the status next sees its ticks among the spooled ones
        // (KafkaTickPublisherTests.TheLastTicksBeforeTheBrokerFallsSilent… saw 0 spooled, 40 pending, once).
        AcknowledgeInSpool(ordered);
        Interlocked.Add(ref spooled, reports.Count);
        foreach (var (_, tracker) in reports)
        {
            tracker?.Settled();
        }

        PublisherLog.TakenBack(logger, reports.Count, spool.DirectoryPath);
        return Math.Max(left, remaining - reports.Count);

        void PrependBehind()
        {
            if (behind is { Count: > 0 })
            {
                spool!.PrependAndSync(behind);
                AcknowledgeInSpool(behind);
            }
        }
    }

    private void RecreateProducer(IReadOnlyList<RawTick> notHandedOver)
    {
        IProducer<RawTick, byte[]>? old;
        lock (gate)
        {
            old = producer;
            producer = BuildProducer();
            fatalError = false;
        }

        // Whatever the failed producer still held is taken back into the spool (purged, reported back, written in
        // front and fsynced) instead of being reported as errors and dropped; without a purger it is lost, counted.
        var held = old is null ? 0 : Math.Max(0, old.Flush(TimeSpan.Zero));
        var lost = old is null ? 0 : TakeBackIntoSpool(old, held, notHandedOver);
        PublisherLog.ProducerRecreated(logger, held - lost, lost);
        if (lost > 0)
        {
            Interlocked.Add(ref dropped, lost);
        }

        old?.Dispose();
    }

    private void AcknowledgeInSpool(IReadOnlyList<RawTick> ticks)
    {
        var current = spool;
        if (current is null || !current.HasUnacknowledged)
        {
            return;
        }

        foreach (var tick in ticks)
        {
            current.Acknowledge(tick);
        }
    }
}
