namespace Laevitas.Bench.EndToEnd;

/// <summary>
/// Tick-to-row latency of the rows in one window: exchange timestamp to the commit that stored the row, and its two
/// halves split at <c>received_at</c> (when the silo read the tick off the socket): exchange → silo (the simulator's
/// send queue, the socket, the feed's read loop) and silo → row (dispatch, grain, Kafka, stream, writer).
/// </summary>
internal sealed record LatencyStats(long Rows, double P50Ms, double P99Ms, double MaxMs, double FeedP50Ms, double FeedP99Ms, double SiloP50Ms, double SiloP99Ms)
{
    public static LatencyStats Empty { get; } = new(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
}
