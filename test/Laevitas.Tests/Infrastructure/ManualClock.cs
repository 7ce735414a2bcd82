namespace Laevitas.Tests.Infrastructure;

/// <summary>A clock that stands still until the test moves it (the simulator reads only the time of day from it).</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref ticks), TimeSpan.Zero);

    public void Set(DateTimeOffset now) => Interlocked.Exchange(ref ticks, now.UtcTicks);
}
