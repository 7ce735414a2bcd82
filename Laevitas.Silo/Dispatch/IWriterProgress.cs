namespace Laevitas.Silo.Dispatch;

/// <summary>How far the writers are behind what was published, for <see cref="WriterPace"/>.</summary>
public interface IWriterProgress
{
    /// <summary>
    /// The writers' backlog and what they delivered to PostgreSQL since the previous call, both for the whole topic;
    /// null when this silo cannot tell (it reads no partition).
    /// </summary>
    WriterProgressSample? Sample();
}

/// <summary>
/// Ticks published and not yet stored; ticks stored since the previous sample; write attempts that failed so far (a
/// count that only grows; a change means the database refused a write since the previous sample).
/// </summary>
public readonly record struct WriterProgressSample(long Backlog, long Delivered, long WriteFailures = 0);
