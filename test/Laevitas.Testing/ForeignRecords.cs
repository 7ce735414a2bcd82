using System.Text;
using Confluent.Kafka;

namespace Laevitas.Testing;

/// <summary>Pieces of the records another client could write onto the tick topic, and of the letters they become.</summary>
public static class ForeignRecords
{
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A JSON string value of <paramref name="bytes"/> bytes: valid JSON, too large to store.</summary>
    public static byte[] Huge(int bytes)
    {
        var value = new byte[bytes];
        Array.Fill(value, (byte)'x');
        value[0] = (byte)'"';
        value[^1] = (byte)'"';
        return value;
    }

    /// <summary>The last header called <paramref name="name"/> as text, or null.</summary>
    public static string? Header(ConsumeResult<byte[]?, byte[]?> record, string name) =>
        record.Message.Headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;
}
