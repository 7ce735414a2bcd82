using System.Collections.Concurrent;
using System.Text;

namespace Laevitas.Feed;

/// <summary>
/// The ticker channels one connection follows, channel → instrument name. The receive loop looks channels up
/// by their UTF-8 bytes without allocating (the lookup also yields the instrument's string, shared by every
/// tick); the connection adds channels before subscribing and removes them once unsubscribed.
/// </summary>
internal sealed class ChannelDirectory
{
    private const int MaxStackChars = 256;
    private readonly ConcurrentDictionary<string, string> _channels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public ChannelDirectory()
    {
        _lookup = _channels.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _channels.Count;

    public IReadOnlyCollection<string> Channels => _channels.Keys.ToArray();

    public void Add(string channel, string instrumentName) => _channels[channel] = instrumentName;

    public void Remove(string channel) => _channels.TryRemove(channel, out _);

    /// <summary>The instrument of a followed channel, or null for a channel this connection does not follow.</summary>
    public string? Find(ReadOnlySpan<byte> channelUtf8)
    {
        if (channelUtf8.Length > MaxStackChars)
        {
            return null;
        }

        Span<char> chars = stackalloc char[MaxStackChars];
        var length = Encoding.UTF8.GetChars(channelUtf8, chars);
        return _lookup.TryGetValue(chars[..length], out var name) ? name : null;
    }

    public string? Find(string channel) => _channels.TryGetValue(channel, out var name) ? name : null;
}
