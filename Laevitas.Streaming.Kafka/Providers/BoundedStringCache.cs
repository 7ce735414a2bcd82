using System.Collections.Concurrent;
using System.Text;

namespace Laevitas.Streaming.Kafka.Providers;

/// <summary>
/// Hands out one shared <see cref="string"/> per distinct value for values that repeat on every tick (instrument
/// names, index names), so decoding them allocates only the first time. Thread-safe. Bounded: once
/// <see cref="Capacity"/> values are cached, new ones are allocated per call and not kept, so a stream of garbage
/// cannot grow it without limit.
/// </summary>
public sealed class BoundedStringCache
{
    // Longest UTF-8 value decoded on the stack; longer ones are rare garbage and simply allocated.
    private const int MaxStackBytes = 512;

    private readonly ConcurrentDictionary<string, string> values = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> lookup;

    public BoundedStringCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        lookup = values.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Capacity { get; }

    public int Count => values.Count;

    /// <summary>The cached string equal to <paramref name="chars"/>, adding it while there is room.</summary>
    public string Get(ReadOnlySpan<char> chars)
    {
        if (lookup.TryGetValue(chars, out var cached))
        {
            return cached;
        }

        var value = chars.ToString();
        // Count is approximate under concurrency; overshooting the bound by a few entries is harmless.
        return values.Count < Capacity ? values.GetOrAdd(value, value) : value;
    }

    /// <summary>The cached string for UTF-8 <paramref name="utf8"/> (invalid sequences become U+FFFD, as in <see cref="Encoding.UTF8"/>).</summary>
    public string GetUtf8(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxStackBytes)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        // UTF-8 never decodes to more UTF-16 units than it has bytes.
        Span<char> chars = stackalloc char[MaxStackBytes];
        var length = Encoding.UTF8.GetChars(utf8, chars);
        return Get(chars[..length]);
    }
}
