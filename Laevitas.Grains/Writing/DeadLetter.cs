namespace Laevitas.Grains.Writing;

/// <summary>A record of the tick topic the writer could never store, with where it came from and why.</summary>
public readonly record struct DeadLetter(
    string Topic,
    int Partition,
    long Offset,
    string? Key,
    long ReceivedAtMs,
    byte[]? Payload,
    DeadLetterCause Cause,
    string Reason);
