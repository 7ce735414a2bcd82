using System.Text;
using Confluent.Kafka;
using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Grains.Publishing;
using Laevitas.Streaming.Kafka.Providers;

namespace Laevitas.Tests.Grains.Publishing;

public class InstrumentNameKeySerializerTests
{
    private static readonly SerializationContext KeyContext = new(MessageComponentType.Key, "deribit.ticks");

    [Fact]
    public void KeyIsTheInstrumentNameInUtf8AndEncodedOncePerInstrument()
    {
        var serializer = new InstrumentNameKeySerializer();
        var first = serializer.Serialize(new RawTick("BTC-PERPETUAL", 1, 2, [0x7B, 0x7D]), KeyContext);
        var second = serializer.Serialize(new RawTick("BTC-PERPETUAL", 3, 4, [0x7B, 0x7D]), KeyContext);
        var other = serializer.Serialize(new RawTick("ETH-PERPETUAL", 3, 4, [0x7B, 0x7D]), KeyContext);

        Assert.Equal(Encoding.UTF8.GetBytes("BTC-PERPETUAL"), first);
        Assert.Same(first, second);
        Assert.Equal(Encoding.UTF8.GetBytes("ETH-PERPETUAL"), other);
    }

    [Fact]
    public void KeyReadBackIsOneSharedStringPerInstrument()
    {
        var deserializer = new InstrumentNameKeyDeserializer();

        var first = deserializer.Deserialize("BTC-27DEC24-100000-C"u8, isNull: false, KeyContext);
        var second = deserializer.Deserialize("BTC-27DEC24-100000-C"u8, isNull: false, KeyContext);

        Assert.Equal("BTC-27DEC24-100000-C", first);
        Assert.Same(first, second);
        Assert.Null(deserializer.Deserialize(ReadOnlySpan<byte>.Empty, isNull: true, KeyContext));
    }
}
