namespace Laevitas.Grains.Publishing;

/// <summary>A point-in-time view of the publisher, for the status line.</summary>
public sealed record PublisherStatus
{
    /// <summary>Ticks the broker acknowledged since start.</summary>
    public long Published { get; init; }

    /// <summary>Ticks handed to the producer and not yet acknowledged (the in-memory buffer).</summary>
    public long Buffered { get; init; }

    /// <summary>Ticks waiting in the disk spool.</summary>
    public long SpoolPending { get; init; }

    public long SpoolPendingBytes { get; init; }

    /// <summary>Ticks written to the spool since start.</summary>
    public long Spooled { get; init; }

    /// <summary>Ticks given up on since start (spool full, or rejected by the broker); each one is logged.</summary>
    public long Dropped { get; init; }

    /// <summary>Deliveries the broker or client failed permanently since start.</summary>
    public long DeliveryErrors { get; init; }

    /// <summary>Ticks that can never be published (above <see cref="PublisherOptions.MaxTickBytes"/>, refused by the producer), also counted in <see cref="Dropped"/>.</summary>
    public long Rejected { get; init; }

    /// <summary>True while new ticks go behind the spool (the broker was unreachable and the spool is not yet replayed).</summary>
    public bool Spooling { get; init; }

    public string? LastError { get; init; }

    /// <summary>Why the spool's disk refused its last write (e.g. no space left), until a write succeeds again; null when it takes them.</summary>
    public string? SpoolWriteError { get; init; }

    public DateTimeOffset? LastErrorAt { get; init; }
}
