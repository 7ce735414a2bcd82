namespace Laevitas.Grains.Abstractions.Writing;

/// <summary>What one partition's writer has stored since it was activated.</summary>
/// <param name="StoredUpToOffset">Offset after the last batch it committed to PostgreSQL, if any.</param>
[GenerateSerializer, Immutable]
public sealed record TickWriterPartitionStatus(
    [property: Id(0)] int Partition,
    [property: Id(1)] long RowsWritten,
    [property: Id(2)] long DuplicateRows,
    [property: Id(3)] long Batches,
    [property: Id(4)] long TicksSkipped,
    [property: Id(5)] long? StoredUpToOffset,
    [property: Id(6)] string? LastError);
