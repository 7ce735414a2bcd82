namespace Laevitas.Grains.Retention;

/// <summary>Section <c>Retention</c>: how long market data is kept before whole daily partitions are dropped.</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Retention";

    /// <summary>
    /// Days of market data to keep; 0 keeps everything (the default: dropping data is a decision the operator makes,
    /// not one a first run should make for them). A day's partition goes once all of it is more than this many days old.
    /// </summary>
    public int Days { get; set; }

    /// <summary>How often a silo tries a retention pass; only one silo of the cluster runs a pass at a time.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Longest a partition drop waits for its table lock. A drop needs an exclusive lock on the parent table, and
    /// while it waits every writer queues behind it; past this the drop gives up and the next pass tries again.
    /// </summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
