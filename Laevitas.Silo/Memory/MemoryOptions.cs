using Laevitas.Grains.Abstractions.Hosting;

namespace Laevitas.Silo.Memory;

/// <summary>Section <c>Memory</c>: giving memory back to the machine once a load has passed (<see cref="MemoryReclaimer"/>).</summary>
public sealed class MemoryOptions
{
    public const string SectionName = "Memory";

    /// <summary>
    /// Compact the heap and return free memory to the operating system once allocation has stayed below a quarter of
    /// its peak for <see cref="QuietFor"/>. Off: the silo keeps what a burst made it commit until the next one.
    /// </summary>
    public bool ReclaimAfterLoad { get; set; } = true;

    /// <summary>How long the load must stay low before memory is given back: a dip of a few seconds is not the end of a load.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Memory:QuietFor must be between 00:00:01 and 01:00:00 (was {3}).")]
    public TimeSpan QuietFor { get; set; } = TimeSpan.FromSeconds(10);
}
