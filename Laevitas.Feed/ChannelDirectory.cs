using System.Collections.Concurrent;
using System.Text;

namespace Laevitas.Feed;

/// <summary>
/// The channels one connection follows: ticker channels → instrument name; trades channels (one per kind and
/// currency, not per instrument) → the channel itself, since their trades name their own instruments. The receive loop looks channels up
/// by their UTF-8 bytes without allocating (the lookup also yields the instrument's string, shared by every
/// tick); the connection adds channels before subscribing and removes them once unsubscribed.
/// </summary>
internal sealed class ChannelDirectory
{
    private const int MaxStackChars = 256;
    private readonly ConcurrentDictionary<string, string> channels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> lookup;

    public ChannelDirectory()
    {
        lookup = channels.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => channels.Count;

    public IReadOnlyCollection<string> Channels => channels.Keys.ToArray();

    public void Add(string channel, string instrumentName) => channels[channel] = instrumentName;

    public void Remove(string channel) => channels.TryRemove(channel, out _);

    /// <summary>The instrument of a followed channel, or null for a channel this connection does not follow.</summary>
    public string? Find(ReadOnlySpan<byte> channelUtf8)
    {
        if (channelUtf8.Length > MaxStackChars)
        {
            return null;
        }

        Span<char> chars = stackalloc char[MaxStackChars];
        var length = Encoding.UTF8.GetChars(channelUtf8, chars);
        return lookup.TryGetValue(chars[..length], out var name) ? name : null;
    }

    public string? Find(string channel) => channels.TryGetValue(channel, out var name) ? name : null;
}
