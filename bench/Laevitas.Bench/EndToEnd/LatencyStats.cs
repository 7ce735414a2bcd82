namespace Laevitas.Bench.EndToEnd;

/// <summary>Tick-to-row latency of the rows in one window: exchange timestamp to the commit that stored the row.</summary>
internal sealed record LatencyStats(long Rows, double P50Ms, double P99Ms, double MaxMs)
{
    public static LatencyStats Empty { get; } = new(0, double.NaN, double.NaN, double.NaN);
}
