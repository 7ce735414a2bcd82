namespace Laevitas.Grains.Writing;

/// <summary>How the tick writer grains store batches (configuration section <c>TickWriter</c>).</summary>
public sealed class TickWriterOptions
{
    public const string SectionName = "TickWriter";

    /// <summary>First wait after a failed database write; doubles up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryMinDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Longest wait between two attempts to write the same batch: how long a writer may sleep on after the database is
    /// back, with the backlog growing meanwhile. An attempt against a server that is down costs one refused connection
    /// per partition, so one second is cheap. (At 5 s the bench's catch-up was no slower beyond its noise:
    /// bench/results.md, "Writers' retry wait after an outage"; this bounds the worst case.)
    /// </summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long one delivery keeps retrying before it hands the batch back to the pulling agent (which re-delivers it).
    /// Kept well below Orleans' response timeout (30 s by default; the grain uses at most half of it) so a delivery
    /// call never times out while the batch is still being retried.
    /// </summary>
    public TimeSpan DeliveryRetryBudget { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>At most this many skipped-tick log lines per minute per silo; the rest are counted and summarised.</summary>
    public int SkippedTickLogsPerMinute { get; set; } = 10;

    /// <summary>
    /// A record whose value is larger than this is never a ticker (Deribit's are about 1 KB): it is set aside to the
    /// dead-letter topic instead of parsed, so a foreign producer's huge record cannot cost a batch its memory.
    /// </summary>
    public int MaxTickBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// A set-aside record's value is cut to this many bytes in the dead-letter topic (the cut is said in a header), so
    /// that it always fits under the producer's and broker's message size limit however large the original was.
    /// </summary>
    public int MaxDeadLetterBytes { get; set; } = 256 * 1024;
}
