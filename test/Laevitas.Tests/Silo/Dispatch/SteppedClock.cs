namespace Laevitas.Tests.Silo.Dispatch;

/// <summary>A clock that moves only when told (timestamps in TimeSpan ticks).</summary>
internal sealed class SteppedClock : TimeProvider
{
    private long ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => ticks;

    public void Advance(TimeSpan by) => ticks += by.Ticks;
}
