using System.Buffers;
using System.Text.Json;

namespace Laevitas.Grains.Writing;

/// <summary>
/// Collects the ticker fields that have no column (a field Deribit added after this code was written, or a value of
/// a type its column cannot hold, such as <c>estimated_delivery_price: "expired"</c>) into one JSON object, kept in
/// the row's <c>extra</c> jsonb column, so no field is lost (design invariant 10). Values are copied as the exchange
/// wrote them (their raw JSON text); unknown fields of <c>greeks</c> or <c>stats</c> go into a nested object of the
/// same name.
/// </summary>
/// <remarks>
/// The hot path pays nothing: the buffers are per thread and reused, and a byte array is allocated only for a tick
/// that has such a field. Not thread-safe; <see cref="Current"/> gives each thread its own.
/// </remarks>
public sealed class TickExtrasBuilder
{
    [ThreadStatic]
    private static TickExtrasBuilder? current;

    private readonly ArrayBufferWriter<byte> buffer = new(256);
    private readonly Utf8JsonWriter writer;
    private bool started;
    private bool nestedOpen;

    private TickExtrasBuilder()
    {
        writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false });
    }

    /// <summary>This thread's builder.</summary>
    public static TickExtrasBuilder Current => current ??= new TickExtrasBuilder();

    /// <summary>Forgets whatever the previous tick left.</summary>
    public void Reset()
    {
        if (started)
        {
            writer.Reset();
            buffer.Clear();
        }

        started = false;
        nestedOpen = false;
    }

    /// <summary>Adds a top-level field; <paramref name="rawValue"/> is its JSON text.</summary>
    public void Add(string name, ReadOnlySpan<byte> rawValue)
    {
        CloseNested();
        Start();
        // The value was read by a Utf8JsonReader over the whole message, which has validated it.
        writer.WritePropertyName(name);
        writer.WriteRawValue(rawValue, skipInputValidation: true);
    }

    /// <summary>Adds a field of the nested object <paramref name="parent"/> (<c>greeks</c>, <c>stats</c>).</summary>
    public void AddNested(string parent, string name, ReadOnlySpan<byte> rawValue)
    {
        Start();
        if (!nestedOpen)
        {
            writer.WriteStartObject(parent);
            nestedOpen = true;
        }

        writer.WritePropertyName(name);
        writer.WriteRawValue(rawValue, skipInputValidation: true);
    }

    /// <summary>Ends the nested object opened by <see cref="AddNested"/>, if one is open.</summary>
    public void CloseNested()
    {
        if (nestedOpen)
        {
            writer.WriteEndObject();
            nestedOpen = false;
        }
    }

    /// <summary>The object's UTF-8 JSON, or null when no field was added.</summary>
    public byte[]? ToArray()
    {
        if (!started)
        {
            return null;
        }

        CloseNested();
        writer.WriteEndObject();
        writer.Flush();
        var bytes = buffer.WrittenSpan.ToArray();
        Reset();
        return bytes;
    }

    private void Start()
    {
        if (!started)
        {
            writer.Reset();
            buffer.Clear();
            writer.WriteStartObject();
            started = true;
        }
    }
}
