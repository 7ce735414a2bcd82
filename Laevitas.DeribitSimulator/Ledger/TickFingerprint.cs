using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Laevitas.DeribitSimulator.Ledger;

/// <summary>
/// A 64-bit digest of a ticker <c>data</c> object's values, independent of property order and number spelling: every
/// leaf is taken as (path, value) with numbers as their double value, sorted by path, and hashed (FNV-1a). Two
/// objects with the same fields and values give the same digest, so a tick the simulator generated can be compared
/// with one rebuilt from a stored row (<c>TickerRebuilder</c>) without keeping either's bytes.
/// </summary>
public static class TickFingerprint
{
    private const ulong OffsetBasis = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    public static ulong Of(ReadOnlySpan<byte> json)
    {
        var leaves = new List<(string Path, JsonTokenType Type, double Number, string? Text)>(48);
        var reader = new Utf8JsonReader(json);
        var path = new List<string>(4);
        var arrayIndexes = new Stack<int>();
        string? property = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    property = reader.GetString();
                    break;
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    if (reader.CurrentDepth > 0)
                    {
                        path.Add(NameOf(property, arrayIndexes));
                    }

                    arrayIndexes.Push(reader.TokenType == JsonTokenType.StartArray ? 0 : -1);
                    property = null;
                    break;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    arrayIndexes.Pop();
                    if (path.Count > 0)
                    {
                        path.RemoveAt(path.Count - 1);
                    }

                    break;
                default:
                    var leaf = string.Join('.', path.Append(NameOf(property, arrayIndexes)));
                    property = null;
                    leaves.Add(reader.TokenType switch
                    {
                        JsonTokenType.Number => (leaf, JsonTokenType.Number, reader.GetDouble(), null),
                        JsonTokenType.String => (leaf, JsonTokenType.String, 0, reader.GetString()),
                        _ => (leaf, reader.TokenType, 0, null),
                    });
                    break;
            }
        }

        leaves.Sort(static (a, b) => string.CompareOrdinal(a.Path, b.Path));
        var hash = OffsetBasis;
        Span<byte> number = stackalloc byte[8];
        foreach (var (leafPath, type, value, text) in leaves)
        {
            hash = Mix(hash, Encoding.UTF8.GetBytes(leafPath));
            hash = Mix(hash, [(byte)type]);
            if (type == JsonTokenType.Number)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(number, value);
                hash = Mix(hash, number);
            }
            else if (text is not null)
            {
                hash = Mix(hash, Encoding.UTF8.GetBytes(text));
            }
        }

        return hash;
    }

    // Inside an array a leaf's name is its index (counted here, since arrays have no property names).
    private static string NameOf(string? property, Stack<int> arrayIndexes)
    {
        if (property is not null || arrayIndexes.Count == 0 || arrayIndexes.Peek() < 0)
        {
            return property ?? "";
        }

        var index = arrayIndexes.Pop();
        arrayIndexes.Push(index + 1);
        return index.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static ulong Mix(ulong hash, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * Prime;
        }

        // A separator, so that ("ab", "c") and ("a", "bc") differ.
        return (hash ^ 0xFF) * Prime;
    }
}
