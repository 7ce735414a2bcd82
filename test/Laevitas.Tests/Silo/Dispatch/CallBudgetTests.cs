using Laevitas.Silo.Dispatch;

namespace Laevitas.Tests.Silo.Dispatch;

public sealed class CallBudgetTests
{
    [Fact]
    public void ARoundMayStartWhatTheRateEarnedSinceTheLastOne()
    {
        var clock = new SteppedClock();
        var budget = new CallBudget(10_000, clock);
        budget.Refill(); // spends the initial savings

        clock.Advance(TimeSpan.FromMilliseconds(5));

        Assert.Equal(50, budget.Refill());
    }

    [Fact]
    public void AnIdleSpellSavesUpAtMostATenthOfASecond()
    {
        var clock = new SteppedClock();
        var budget = new CallBudget(10_000, clock);
        budget.Refill();

        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(1_000, budget.Refill());
        Assert.Equal(1, budget.Refill()); // nothing earned since, but a round always moves
    }

    [Fact]
    public void OverASecondTheCallsStartedMatchTheRate()
    {
        var clock = new SteppedClock();
        var budget = new CallBudget(12_000, clock);
        budget.Refill();
        var started = 0L;

        for (var round = 0; round < 1_000; round++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(1.3));
            started += budget.Refill();
        }

        Assert.InRange(started, 0.99 * 12_000 * 1.3, 1.01 * 12_000 * 1.3);
    }

    [Fact]
    public void ZeroMeansNoBound()
    {
        Assert.Equal(int.MaxValue, new CallBudget(0, new SteppedClock()).Refill());
    }
}
