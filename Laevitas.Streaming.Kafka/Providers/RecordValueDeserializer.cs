using Confluent.Kafka;

namespace Laevitas.Streaming.Kafka.Providers;

/// <summary>Copies a record's value into the receiver's <see cref="RecordValueBuffer"/>; a null value reads as empty.</summary>
internal sealed class RecordValueDeserializer(RecordValueBuffer buffer) : IDeserializer<ReadOnlyMemory<byte>>
{
    public ReadOnlyMemory<byte> Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) =>
        isNull ? ReadOnlyMemory<byte>.Empty : buffer.Copy(data);
}
