namespace Laevitas.Grains.Publishing;

/// <summary>One segment file of the <see cref="TickSpool"/> and how far it has been written and read.</summary>
internal sealed class SpoolSegment(long sequence, string path)
{
    public long Sequence { get; } = sequence;

    public string Path { get; } = path;

    /// <summary>Bytes written (including the magic); for the writer's segment, also those still in its buffer.</summary>
    public long Length { get; set; }

    public long ReadPosition { get; set; } = TickSpool.MagicLength;

    /// <summary>Complete records in the segment (counted at recovery, or as written).</summary>
    public long Records { get; set; }

    public long RecordsRead { get; set; }

    /// <summary>Records read out of this segment whose delivery has not yet been settled (acknowledged, or taken back).</summary>
    public long Unacknowledged { get; set; }
}
