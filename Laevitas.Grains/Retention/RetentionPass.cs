namespace Laevitas.Grains.Retention;

/// <summary>What one retention pass did.</summary>
/// <param name="Ran">False when another silo held the retention lock (it is running the pass).</param>
/// <param name="KeepFrom">The first UTC day kept; every partition of an earlier day was dropped.</param>
/// <param name="Dropped">The partitions this pass dropped.</param>
public sealed record RetentionPass(bool Ran, DateOnly KeepFrom, IReadOnlyList<DailyPartition> Dropped)
{
    public static RetentionPass Skipped(DateOnly keepFrom) => new(false, keepFrom, []);
}
