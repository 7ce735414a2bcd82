using System.Text.Json;

namespace Laevitas.Feed;

/// <summary>
/// Reads the <c>data</c> object of an <c>instrument.state</c> notification: <c>instrument_name</c>, <c>state</c>,
/// <c>timestamp</c> (Deribit's documented payload). Rare messages, so a plain reader pass; unknown fields are skipped.
/// </summary>
internal static class InstrumentStateParser
{
    /// <summary>False when the data is not an object with a non-empty instrument name and a state.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, string channel, out InstrumentStateEvent notification)
    {
        notification = default;
        string? name = null;
        var state = ListingState.Other;
        var hasState = false;
        long timestamp = 0;
        try
        {
            var reader = new Utf8JsonReader(data);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("instrument_name"u8))
                {
                    reader.Read();
                    name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("state"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        hasState = true;
                        state = ListingStates.Parse(reader.ValueIsEscaped ? System.Text.Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan);
                    }
                }
                else if (reader.ValueTextEquals("timestamp"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Number)
                    {
                        reader.TryGetInt64(out timestamp);
                    }
                }
                else
                {
                    reader.Read();
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        if (string.IsNullOrEmpty(name) || !hasState)
        {
            return false;
        }

        notification = new InstrumentStateEvent(channel, name, state, timestamp);
        return true;
    }
}
