using Laevitas.DeribitSimulator;

namespace Laevitas.Tests.Infrastructure;

internal static class SimulatorTestOptions
{
    /// <summary>A Wednesday: the first Friday after it is the 1st, so single-digit-day names appear (BTC-1AUG25).</summary>
    public static readonly DateTimeOffset ReferenceTime = new(2025, 7, 30, 12, 0, 0, TimeSpan.Zero);

    public static SimulatorOptions Create(int instruments = 40, double rate = 2_000) => new()
    {
        InstrumentCount = instruments,
        TicksPerSecond = rate,
        ReferenceTime = ReferenceTime,
        Seed = 7,
    };

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
}
