using Confluent.Kafka;
using Laevitas.Streaming.Kafka.Providers;

namespace Laevitas.Streaming.Kafka.Providers;

/// <summary>
/// Reads a tick record's key (its instrument name, UTF-8) as a string shared by every record of the instrument,
/// instead of a new string per record: the stream cache holds tens of thousands of records while the writer lags.
/// </summary>
internal sealed class InstrumentNameKeyDeserializer : IDeserializer<string?>
{
    // Deribit lists a few thousand instruments at a time; delisted names stay cached, bounded by this.
    internal const int MaxCachedNames = 65_536;

    private readonly BoundedStringCache names = new(MaxCachedNames);

    public static InstrumentNameKeyDeserializer Instance { get; } = new();

    public string? Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) =>
        isNull ? null : names.GetUtf8(data);
}
