using Laevitas.Grains.Abstractions.Hosting;

namespace Laevitas.Silo.Stats;

/// <summary>Section <c>Stats</c>: how often this silo reports its pipeline counters to the cluster.</summary>
public sealed class PipelineStatsOptions
{
    public const string SectionName = "Stats";

    /// <summary>Also the window of the reported rates (ticks/s, rows/s).</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.1", "00:00:10", ErrorMessage = "Stats:ReportInterval must be between 00:00:00.1 and 00:00:10 (was {3}); the cluster drops reports older than 30 s.")]
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often the silo logs its one-line status (instruments, ticks/s in, Kafka lag, rows/s written, last error);
    /// zero turns the line off. Rounded up to whole report intervals.
    /// </summary>
    // The upper bound is TimeSpan.MaxValue: any positive interval will do.
    [SettingRange(typeof(TimeSpan), "00:00:00", "10675199.02:48:05.4775807", ErrorMessage = "Stats:StatusLineInterval must be zero (off) or positive (was {3}).")]
    public TimeSpan StatusLineInterval { get; set; } = TimeSpan.FromSeconds(5);
}
