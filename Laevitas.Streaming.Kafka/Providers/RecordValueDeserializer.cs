using Confluent.Kafka;

namespace Laevitas.Streaming.Kafka.Providers;

/// <summary>Copies a record's value into the receiver's <see cref="RecordValueBuffer"/>; a null value reads as empty.</summary>
internal sealed class RecordValueDeserializer(RecordValueBuffer buffer) : IDeserializer<ReadOnlyMemory<byte>>
{
    // A null value comes as an empty span, which the buffer already turns into an empty value.
    public ReadOnlyMemory<byte> Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) => buffer.Copy(data);
}
