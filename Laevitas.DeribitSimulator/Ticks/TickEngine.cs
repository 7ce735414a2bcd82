using System.Buffers;
using System.Diagnostics;
using Laevitas.DeribitSimulator.Faults;
using Laevitas.DeribitSimulator.Protocol;

namespace Laevitas.DeribitSimulator.Ticks;

/// <summary>
/// Produces ticker notifications at the configured aggregate rate, round-robin over every subscribed instrument,
/// and queues them on the subscribers' connections. One loop, one thread of work at a time: instrument state needs
/// no locks, timestamps are strictly increasing per instrument. A full connection queue makes the engine wait
/// (backpressure) rather than drop, so what is emitted can be reconciled exactly.
/// </summary>
internal sealed class TickEngine
{
    private readonly ChannelRegistry _registry;
    private readonly MarketModel _market;
    private readonly SimulatorFaults _faults;
    private readonly FrameBuilder _frames = new();
    private readonly Random _random;
    private readonly long? _maxTicks;
    private double _ticksPerSecond;
    private long _queued;
    private long _discarded;
    private readonly bool _finalTickOnExpiry;
    private readonly System.Collections.Concurrent.ConcurrentQueue<(InstrumentFeed Feed, Subscriber[] Subscribers)> _expiries = new();
    private int _cursor;

    public TickEngine(SimulatorOptions options, ChannelRegistry registry, MarketModel market, SimulatorFaults faults)
    {
        _registry = registry;
        _market = market;
        _faults = faults;
        _random = new Random(options.Seed);
        _maxTicks = options.MaxTicks;
        _ticksPerSecond = options.TicksPerSecond;
        _finalTickOnExpiry = options.SendFinalTickOnExpiry;
    }

    /// <summary>
    /// An instrument expired: its subscribers get one last notification (state closed, estimated_delivery_price
    /// "expired") from the engine thread, so it is ordered after every tick already emitted for it.
    /// </summary>
    public void OnExpired(InstrumentFeed feed, Subscriber[] subscribers)
    {
        if (_finalTickOnExpiry && subscribers.Length > 0) _expiries.Enqueue((feed, subscribers));
    }

    public double TicksPerSecond
    {
        get => Volatile.Read(ref _ticksPerSecond);
        set => Volatile.Write(ref _ticksPerSecond, value);
    }

    /// <summary>Tick frames queued on connections (minus those dropped with their connection).</summary>
    public long Outstanding => Interlocked.Read(ref _queued) - Interlocked.Read(ref _discarded);

    public bool LimitReached => _maxTicks is { } max && Outstanding >= max;

    /// <summary>A queued tick was dropped because its connection went away before sending it.</summary>
    public void OnDiscarded() => Interlocked.Increment(ref _discarded);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var frequency = (double)Stopwatch.Frequency;
        var last = Stopwatch.GetTimestamp();
        var credit = 0.0;
        while (!cancellationToken.IsCancellationRequested)
        {
            while (_expiries.TryDequeue(out var expiry))
            {
                var state = expiry.Feed.State;
                state.Deliver(state.NextTimestamp(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
                foreach (var subscriber in expiry.Subscribers)
                {
                    if (LimitReached) break;
                    await EmitAsync(subscriber, state).ConfigureAwait(false);
                }
            }

            var rate = TicksPerSecond;
            var active = _registry.Active;
            if (active.Length == 0 || rate <= 0 || _faults.IsSilent || LimitReached)
            {
                credit = 0;
                await Task.Delay(5, cancellationToken).ConfigureAwait(false);
                last = Stopwatch.GetTimestamp();
                continue;
            }

            var now = Stopwatch.GetTimestamp();
            // Never bank more than 100 ms of ticks: after a stall we resume the rate, we do not burst to catch up.
            credit = Math.Min(credit + (now - last) / frequency * rate, rate * 0.1 + 1);
            last = now;
            if (credit < 1)
            {
                await Task.Delay(1, cancellationToken).ConfigureAwait(false);
                continue;
            }

            _market.Step(_random);
            var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            while (credit >= 1 && !LimitReached && !cancellationToken.IsCancellationRequested)
            {
                if (_cursor >= active.Length) _cursor = 0;
                var feed = active[_cursor++];
                var subscribers = feed.Subscribers;
                if (subscribers.Length == 0)
                {
                    credit -= 1;
                    continue;
                }

                var ticker = feed.State;
                ticker.Advance(ticker.NextTimestamp(nowMs), _random);
                foreach (var subscriber in subscribers)
                {
                    if (LimitReached) break;
                    // The common case completes synchronously: a ValueTask, no allocation.
                    await EmitAsync(subscriber, ticker).ConfigureAwait(false);
                    credit -= 1;
                }
            }
        }
    }

    private async ValueTask EmitAsync(Subscriber subscriber, TickerState state)
    {
        TickerWriter.WriteNotification(_frames.Begin(), subscriber.ChannelJson, state);
        var frame = _frames.Finish(FrameKind.Tick, subscriber, state.LastTimestamp);
        Interlocked.Increment(ref _queued);
        if (!subscriber.Connection.TryEnqueue(frame)
            && !await subscriber.Connection.EnqueueAsync(frame).ConfigureAwait(false))
        {
            ArrayPool<byte>.Shared.Return(frame.Buffer!);
            Interlocked.Increment(ref _discarded);
        }
    }
}
