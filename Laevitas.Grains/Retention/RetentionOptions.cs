using Laevitas.Grains.Abstractions.Hosting;

namespace Laevitas.Grains.Retention;

/// <summary>Section <c>Retention</c>: how long market data is kept before whole daily partitions are dropped.</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Retention";

    /// <summary>
    /// Days of market data to keep; 0 keeps everything (the default: dropping data is a decision the operator makes,
    /// not one a first run should make for them). A day's partition goes once all of it is more than this many days old.
    /// </summary>
    // PostgreSQL dates stop at 5874897 AD, but a retention of a century already means "keep everything": anything
    // larger is a typo (e.g. hours or milliseconds given as days), and is refused rather than silently accepted.
    [SettingRange(0, 36_500, ErrorMessage = "Retention:Days must be 0 (keep everything) or a number of days from 1 to 36500 (was {3}).")]
    public int Days { get; set; }

    /// <summary>How often a silo tries a retention pass; only one silo of the cluster runs a pass at a time.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Retention:Interval must be between 00:00:01 and 1.00:00:00 (was {3}); partitions are whole days, so a pass a day is enough and one a second the most that makes sense.")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Longest a partition drop waits for its table lock. A drop needs an exclusive lock on the parent table, and
    /// while it waits every writer queues behind it; past this the drop gives up and the next pass tries again.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.001", "00:01:00", ErrorMessage = "Retention:LockTimeout must be between 00:00:00.001 and 00:01:00 (was {3}); writers wait behind a drop for that long.")]
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
