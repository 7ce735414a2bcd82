namespace Laevitas.Grains.Writing;

/// <summary>How the tick writer grains store batches (configuration section <c>TickWriter</c>).</summary>
public sealed class TickWriterOptions
{
    public const string SectionName = "TickWriter";

    /// <summary>First wait after a failed database write; doubles up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryMinDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest wait between two attempts to write the same batch.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long one delivery keeps retrying before it hands the batch back to the pulling agent (which re-delivers it).
    /// Kept well below Orleans' response timeout (30 s by default; the grain uses at most half of it) so a delivery
    /// call never times out while the batch is still being retried.
    /// </summary>
    public TimeSpan DeliveryRetryBudget { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>At most this many skipped-tick log lines per minute per silo; the rest are counted and summarised.</summary>
    public int SkippedTickLogsPerMinute { get; set; } = 10;
}
