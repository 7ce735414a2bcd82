using Laevitas.Silo.Memory;

namespace Laevitas.Tests.Silo.Memory;

/// <summary>When <see cref="LoadPassedDetector"/> says a load has passed, fed one allocation rate per second.</summary>
public sealed class LoadPassedDetectorTests
{
    private const double MiB = 1024 * 1024;
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private readonly LoadPassedDetector detector = new(TimeSpan.FromSeconds(10));

    [Fact]
    public void ALoadThatStopsHasPassedOnceItStayedLowForTheQuietTime()
    {
        Feed(300 * MiB, seconds: 60);

        Assert.Equal(10, SecondsUntilPassed(2 * MiB, limit: 60));
        // Once: the next reclaim waits for a next load.
        Assert.Null(SecondsUntilPassed(2 * MiB, limit: 600));
    }

    [Fact]
    public void ASteadyLoadNeverPasses()
    {
        var random = new Random(7);
        for (var i = 0; i < 3_600; i++)
        {
            // ±30 % around 200 MiB/s for an hour.
            Assert.False(detector.Observe((140 + random.NextDouble() * 120) * MiB, Second));
        }
    }

    [Fact]
    public void ADipShorterThanTheQuietTimeIsNotTheEndOfTheLoad()
    {
        Feed(300 * MiB, seconds: 30);
        Feed(10 * MiB, seconds: 9);
        Feed(300 * MiB, seconds: 30);

        Assert.Equal(10, SecondsUntilPassed(10 * MiB, limit: 60));
    }

    [Fact]
    public void AnIdleSilosOwnAllocationIsNoLoad()
    {
        Assert.Null(SecondsUntilPassed(LoadPassedDetector.IdleBytesPerSecond / 2, limit: 600));
    }

    [Fact]
    public void ALoadThatFallsToAFractionHasPassedEvenIfNotToIdle()
    {
        // 50,000 ticks/s down to 5,000: a tenth of the allocation.
        Feed(400 * MiB, seconds: 120);

        Assert.Equal(10, SecondsUntilPassed(40 * MiB, limit: 60));
    }

    [Fact]
    public void ALoadThatEbbsOverMinutesEndsUpCountedAsPassed()
    {
        // Down by 3 % a second: never a quarter of the second before, but below a quarter of the decayed peak (which
        // halves in a minute) after about 73 s, and passed ten quiet seconds later.
        Feed(400 * MiB, seconds: 60);
        var rate = 400 * MiB;
        int? passedAt = null;
        for (var i = 1; i <= 600 && passedAt is null; i++)
        {
            rate *= 0.97;
            passedAt = detector.Observe(rate, Second) ? i : null;
        }

        Assert.InRange(passedAt ?? 0, 80, 86);
    }

    [Fact]
    public void ALoadThatEbbsSlowerThanThePeakDecaysIsASteadyLoad()
    {
        // Down by 1 % a second, slower than the peak's decay: at every moment it is the load there is.
        Feed(400 * MiB, seconds: 60);
        var rate = 400 * MiB;
        for (var i = 0; i < 300; i++)
        {
            rate *= 0.99;
            Assert.False(detector.Observe(rate, Second));
        }
    }

    private void Feed(double bytesPerSecond, int seconds)
    {
        for (var i = 0; i < seconds; i++)
        {
            Assert.False(detector.Observe(bytesPerSecond, Second));
        }
    }

    private int? SecondsUntilPassed(double bytesPerSecond, int limit)
    {
        for (var i = 1; i <= limit; i++)
        {
            if (detector.Observe(bytesPerSecond, Second))
            {
                return i;
            }
        }

        return null;
    }
}
