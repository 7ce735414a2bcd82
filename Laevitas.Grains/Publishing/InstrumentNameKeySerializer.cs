using System.Text;
using Confluent.Kafka;
using Laevitas.Grains.Abstractions.Ticks;

namespace Laevitas.Grains.Publishing;

/// <summary>Serializes a tick, used as the message key, as its instrument name in UTF-8: the topic's key.</summary>
internal sealed class InstrumentNameKeySerializer : ISerializer<RawTick>
{
    public static InstrumentNameKeySerializer Instance { get; } = new();

    public byte[] Serialize(RawTick data, SerializationContext context) => Encoding.UTF8.GetBytes(data.InstrumentName);
}
