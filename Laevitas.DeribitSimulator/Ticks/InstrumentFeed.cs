using Laevitas.DeribitSimulator.Protocol;

namespace Laevitas.DeribitSimulator.Ticks;

/// <summary>An instrument's live ticker and the subscribers of its ticker channels (copy-on-write array).</summary>
internal sealed class InstrumentFeed(TickerState state)
{
    private Subscriber[] subscribers = [];

    public TickerState State { get; } = state;

    public string InstrumentName => State.Instrument.InstrumentName;

    /// <summary>Read lock-free by the engine; replaced (never mutated) under the registry lock.</summary>
    public Subscriber[] Subscribers
    {
        get => Volatile.Read(ref subscribers);
        set => Volatile.Write(ref subscribers, value);
    }
}
