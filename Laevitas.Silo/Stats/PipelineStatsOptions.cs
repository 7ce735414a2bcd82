namespace Laevitas.Silo.Stats;

/// <summary>Section <c>Stats</c>: how often this silo reports its pipeline counters to the cluster.</summary>
public sealed class PipelineStatsOptions
{
    public const string SectionName = "Stats";

    /// <summary>Also the window of the reported rates (ticks/s, rows/s).</summary>
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromSeconds(2);
}
