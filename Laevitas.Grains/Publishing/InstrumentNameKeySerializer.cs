using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using Laevitas.Grains.Abstractions.Ticks;

namespace Laevitas.Grains.Publishing;

/// <summary>Serializes a tick, used as the message key, as its instrument name in UTF-8: the topic's key.</summary>
/// <remarks>
/// Every tick of an instrument has the same key, so its bytes are encoded once and shared: librdkafka copies the key
/// when the message is produced and nothing writes to the array. Bounded: past <see cref="MaxCachedNames"/> names
/// (far more than Deribit lists at a time) new names are encoded per call and not kept.
/// </remarks>
internal sealed class InstrumentNameKeySerializer : ISerializer<RawTick>
{
    internal const int MaxCachedNames = 65_536;

    private readonly ConcurrentDictionary<string, byte[]> keys = new(StringComparer.Ordinal);

    public static InstrumentNameKeySerializer Instance { get; } = new();

    public byte[] Serialize(RawTick data, SerializationContext context)
    {
        var name = data.InstrumentName;
        if (keys.TryGetValue(name, out var key))
        {
            return key;
        }

        key = Encoding.UTF8.GetBytes(name);
        return keys.Count < MaxCachedNames ? keys.GetOrAdd(name, key) : key;
    }
}
