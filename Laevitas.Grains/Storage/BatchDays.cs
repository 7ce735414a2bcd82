using System.Collections;

namespace Laevitas.Grains.Storage;

/// <summary>
/// The distinct UTC days (days since 1970-01-01) of a batch's exchange timestamps, gathered row by row so a store can
/// feed it from a span of its rows without copying them: what <see cref="DailyPartitions.WriteAsync{T}"/> needs. The
/// rows of a batch span a day at most (two around midnight, more only in a replay of old data), so it stays tiny.
/// Reused batch after batch by one store; not thread-safe.
/// </summary>
public sealed class BatchDays : IEnumerable<long>
{
    private readonly List<long> days = [];
    private long last = long.MinValue;

    /// <summary>Empties it for the next batch.</summary>
    public void Clear()
    {
        days.Clear();
        last = long.MinValue;
    }

    /// <summary>Adds the day of <paramref name="timestampMs"/> (exchange Unix ms) unless it is already there.</summary>
    public void Add(long timestampMs)
    {
        var day = DailyPartitions.DayOf(timestampMs);
        if (day != last && !days.Contains(day))
        {
            days.Add(day);
        }

        last = day;
    }

    public IEnumerator<long> GetEnumerator() => days.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
