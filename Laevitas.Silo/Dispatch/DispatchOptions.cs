namespace Laevitas.Silo.Dispatch;

/// <summary>Configuration section <c>Dispatch</c>: how the feed's ticks are handed to instrument grains.</summary>
public sealed class DispatchOptions
{
    public const string SectionName = "Dispatch";

    /// <summary>
    /// How long ticks of an idle instrument are gathered before the call goes out. Ticks that arrive while an
    /// instrument's call is in flight are sent as the next batch as soon as it returns, without extra wait.
    /// </summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Most ticks in one call.</summary>
    public int MaxBatchSize { get; set; } = 1_000;

    /// <summary>Ticks waiting for grains, over all instruments, past which new ticks are dropped (counted, logged).</summary>
    public int MaxPendingTicks { get; set; } = 1_000_000;

    /// <summary>Wait before a failed call is retried with the same ticks.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Concurrent grain calls when a listing (thousands of instruments) is handed out.</summary>
    public int ListingConcurrency { get; set; } = 32;

    /// <summary>How long stopping waits for pending ticks to reach their grains.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
