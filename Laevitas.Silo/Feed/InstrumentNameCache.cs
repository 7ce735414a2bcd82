using System.Text;

namespace Laevitas.Silo.Feed;

/// <summary>
/// Turns the UTF-8 instrument name of a tick into a string without allocating one per tick: a connection sees
/// the same few thousand names over and over. Owned by one receive loop, so it needs no locking.
/// </summary>
internal sealed class InstrumentNameCache
{
    private const int MaxStackChars = 256;
    private const int MaxEntries = 100_000;
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public InstrumentNameCache()
    {
        _lookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxStackChars)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        Span<char> chars = stackalloc char[MaxStackChars];
        var length = Encoding.UTF8.GetChars(utf8, chars);
        var name = chars[..length];
        if (_lookup.TryGetValue(name, out var cached))
        {
            return cached;
        }

        if (_names.Count >= MaxEntries)
        {
            // Only a misbehaving server sends this many distinct names; stay bounded.
            _names.Clear();
        }

        var created = name.ToString();
        _names[created] = created;
        return created;
    }
}
