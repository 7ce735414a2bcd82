using System.Text;
using Laevitas.Streaming.Kafka.Providers;

namespace Laevitas.Tests.Streaming.Providers;

public class BoundedStringCacheTests
{
    [Fact]
    public void RepeatedValuesShareOneString()
    {
        var cache = new BoundedStringCache(16);

        var first = cache.GetUtf8("BTC-27DEC24-100000-C"u8);
        var second = cache.GetUtf8("BTC-27DEC24-100000-C"u8);
        var fromChars = cache.Get("BTC-27DEC24-100000-C".AsSpan());

        Assert.Equal("BTC-27DEC24-100000-C", first);
        Assert.Same(first, second);
        Assert.Same(first, fromChars);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void PastItsCapacityValuesAreStillCorrectButNotKept()
    {
        var cache = new BoundedStringCache(2);
        cache.Get("a".AsSpan());
        cache.Get("b".AsSpan());

        var third = cache.Get("c".AsSpan());
        var again = cache.Get("c".AsSpan());

        Assert.Equal("c", third);
        Assert.Equal("c", again);
        Assert.NotSame(third, again);
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void Utf8DecodesLikeTheFrameworkIncludingInvalidAndLongInput()
    {
        var cache = new BoundedStringCache(16);
        byte[] invalid = [0x41, 0xC3, 0x28, 0x42];
        var longName = Encoding.UTF8.GetBytes(new string('é', 400));

        Assert.Equal(Encoding.UTF8.GetString(invalid), cache.GetUtf8(invalid));
        Assert.Equal(Encoding.UTF8.GetString(longName), cache.GetUtf8(longName));
        Assert.Equal("ETH-PERPETUAL·Δ", cache.GetUtf8(Encoding.UTF8.GetBytes("ETH-PERPETUAL·Δ")));
    }

    [Fact]
    public void CapacityMustBePositive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new BoundedStringCache(0));
}
