namespace Laevitas.Bench.EndToEnd;

/// <summary>
/// The silo's memory in the minute after the last load stopped: whether it gives back what the load took.
/// </summary>
/// <param name="RssAtStop">Resident set when the load stopped.</param>
/// <param name="RssAfter">Resident set at the end of the watch.</param>
/// <param name="Watched">How long it was watched.</param>
/// <param name="UnderGoalAfter">When the resident set first fell under <see cref="GoalBytes"/> (null: it did not).</param>
/// <param name="GcCommittedAfter">Memory the GC had committed at its last collection, from the silo's /metrics (null: unread).</param>
/// <param name="GcHeapAfter">The GC heap's size at its last collection, all generations, from /metrics.</param>
internal sealed record MemoryAfterLoad(long RssAtStop, long RssAfter, TimeSpan Watched, TimeSpan? UnderGoalAfter, long? GcCommittedAfter, long? GcHeapAfter)
{
    /// <summary>Issue 24: back under 600 MiB within a minute of the load stopping.</summary>
    public const long GoalBytes = 600L << 20;
}
