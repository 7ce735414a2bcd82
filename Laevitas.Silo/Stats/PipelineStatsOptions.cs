namespace Laevitas.Silo.Stats;

/// <summary>Section <c>Stats</c>: how often this silo reports its pipeline counters to the cluster.</summary>
public sealed class PipelineStatsOptions
{
    public const string SectionName = "Stats";

    /// <summary>Also the window of the reported rates (ticks/s, rows/s).</summary>
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often the silo logs its one-line status (instruments, ticks/s in, Kafka lag, rows/s written, last error);
    /// zero turns the line off. Rounded up to whole report intervals.
    /// </summary>
    public TimeSpan StatusLineInterval { get; set; } = TimeSpan.FromSeconds(5);
}
