using System.Buffers;
using Laevitas.DeribitSimulator.Faults;
using Laevitas.DeribitSimulator.Ledger;
using Laevitas.DeribitSimulator.Protocol;

namespace Laevitas.DeribitSimulator.Ticks;

/// <summary>
/// Generates ticks at the configured aggregate rate, round-robin over every instrument of the market (subscribed now or
/// before, not expired), records each in the <see cref="MarketLedger"/>, and queues it on the connections subscribed
/// to it at that moment, if any: the rate is the market's, whatever number of clients listen. One loop, one thread of work at a time: instrument state needs
/// no locks, timestamps are strictly increasing per instrument. A full connection queue makes the engine wait
/// (backpressure) rather than drop, so what is emitted can be reconciled exactly.
/// </summary>
internal sealed class TickEngine
{
    private readonly ChannelRegistry registry;
    private readonly MarketModel market;
    private readonly SimulatorFaults faults;
    private readonly FrameBuilder frames = new();
    private readonly Random random;
    private readonly long? maxTicks;
    private double ticksPerSecond;
    private long queued;
    private long discarded;
    private readonly bool finalTickOnExpiry;
    private readonly System.Collections.Concurrent.ConcurrentQueue<(InstrumentFeed Feed, Subscriber[] Subscribers, double? DeliveryPrice, Action? Then)> expiries = new();
    private readonly TimeProvider clock;
    private int cursor;

    private readonly MarketLedger marketLedger;

    public TickEngine(SimulatorOptions options, ChannelRegistry registry, MarketModel market, SimulatorFaults faults, MarketLedger marketLedger)
    {
        this.marketLedger = marketLedger;
        this.registry = registry;
        this.market = market;
        this.faults = faults;
        random = new Random(options.Seed);
        maxTicks = options.MaxTicks;
        ticksPerSecond = options.TicksPerSecond;
        finalTickOnExpiry = options.SendFinalTickOnExpiry;
        clock = options.Clock;
    }

    /// <summary>
    /// An instrument expired: its subscribers get one last notification (state closed, estimated_delivery_price
    /// "expired") from the engine thread, so it is ordered after every tick already emitted for it. Its
    /// <c>delivery_price</c> is <paramref name="deliveryPrice"/>, or the index at that moment when null.
    /// <paramref name="then"/> runs once that notification is queued (at once when there is none to send).
    /// </summary>
    public void OnExpired(InstrumentFeed? feed, Subscriber[] subscribers, double? deliveryPrice = null, Action? then = null)
    {
        if (feed is not null && finalTickOnExpiry && subscribers.Length > 0) expiries.Enqueue((feed, subscribers, deliveryPrice, then));
        else then?.Invoke();
    }

    public double TicksPerSecond
    {
        get => Volatile.Read(ref ticksPerSecond);
        set => Volatile.Write(ref ticksPerSecond, value);
    }

    /// <summary>Tick frames queued on connections (minus those dropped with their connection).</summary>
    public long Outstanding => Interlocked.Read(ref queued) - Interlocked.Read(ref discarded);

    public bool LimitReached => maxTicks is { } max && Outstanding >= max;

    /// <summary>A queued tick was dropped because its connection went away before sending it.</summary>
    public void OnDiscarded() => Interlocked.Increment(ref discarded);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var pacer = new RatePacer();
        while (!cancellationToken.IsCancellationRequested)
        {
            while (expiries.TryDequeue(out var expiry))
            {
                var state = expiry.Feed.State;
                state.Deliver(state.NextTimestamp(clock.GetUtcNow().ToUnixTimeMilliseconds()), expiry.DeliveryPrice);
                marketLedger.Record(state);
                foreach (var subscriber in expiry.Subscribers)
                {
                    if (LimitReached) break;
                    await EmitAsync(subscriber, state).ConfigureAwait(false);
                }

                expiry.Then?.Invoke();
            }

            var active = registry.Active;
            if (!await pacer.TryEarnAsync(TicksPerSecond, active.Length == 0 || faults.IsSilent || LimitReached, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            market.Step(random);
            var nowMs = clock.GetUtcNow().ToUnixTimeMilliseconds();
            while (pacer.Credit >= 1 && !LimitReached && !cancellationToken.IsCancellationRequested)
            {
                if (cursor >= active.Length) cursor = 0;
                var feed = active[cursor++];
                var subscribers = feed.Subscribers;
                var ticker = feed.State;
                ticker.Advance(ticker.NextTimestamp(nowMs), random);
                marketLedger.Record(ticker);
                pacer.Spend(1);
                foreach (var subscriber in subscribers)
                {
                    if (LimitReached) break;
                    // The common case completes synchronously: a ValueTask, no allocation.
                    await EmitAsync(subscriber, ticker).ConfigureAwait(false);
                }
            }
        }
    }

    private async ValueTask EmitAsync(Subscriber subscriber, TickerState state)
    {
        TickerWriter.WriteNotification(frames.Begin(), subscriber.ChannelJson, state);
        var frame = frames.Finish(FrameKind.Tick, subscriber, state.LastTimestamp);
        Interlocked.Increment(ref queued);
        if (!subscriber.Connection.TryEnqueue(frame)
            && !await subscriber.Connection.EnqueueAsync(frame).ConfigureAwait(false))
        {
            ArrayPool<byte>.Shared.Return(frame.Buffer!);
            Interlocked.Increment(ref discarded);
        }
    }
}
