namespace Laevitas.Streaming.Kafka.Providers;

/// <summary>
/// One Kafka record of the tick topic as the stream delivers it: the raw ticker JSON and where it came from.
/// The receiver does not parse the payload; the writer parses it once.
/// </summary>
/// <remarks>
/// The payload is a slice of a pooled chunk (<see cref="RecordValueBuffer"/>), valid until the queue cache purges the
/// batch: whoever keeps a value past the delivery call (a dead letter) copies it. Empty for a record without a value.
/// </remarks>
[GenerateSerializer, Immutable]
public readonly record struct KafkaTick(
    [property: Id(0)] long Offset,
    [property: Id(1)] string? Key,
    [property: Id(2)] long ReceivedAtMs,
    [property: Id(3)] ReadOnlyMemory<byte> Payload);
