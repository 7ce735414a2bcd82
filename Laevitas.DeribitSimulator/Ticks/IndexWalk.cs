namespace Laevitas.DeribitSimulator.Ticks;

/// <summary>
/// A price index (<c>btc_usd</c>, <c>sol_usdc</c>…) following a geometric random walk. Advanced by the tick engine
/// only (single writer), so no locking.
/// </summary>
internal sealed class IndexWalk(string name, double startPrice, double volatilityPerStep)
{
    public string Name { get; } = name;

    public double Price { get; private set; } = startPrice;

    public double StartPrice { get; } = startPrice;

    public void Step(Random random)
    {
        // Box–Muller would cost two transcendental calls; a centred uniform sum is plenty for a plausible walk.
        var shock = random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5;
        var next = Price * (1 + volatilityPerStep * shock);
        // Keep the walk within a band around its start so day-long runs don't drift to absurd levels.
        Price = Math.Clamp(next, StartPrice * 0.5, StartPrice * 2);
    }
}
