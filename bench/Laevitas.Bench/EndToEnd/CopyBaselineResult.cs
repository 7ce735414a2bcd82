namespace Laevitas.Bench.EndToEnd;

/// <summary>Rows stored per second by one way of writing to <c>deribit_prices</c> with nothing else running.</summary>
internal sealed record CopyBaselineResult(string Method, int Connections, long Rows, TimeSpan Elapsed, TimeSpan PostgresCpu, TimeSpan BenchCpu)
{
    public double RowsPerSecond => Rows / Elapsed.TotalSeconds;
}
