using System.Text.Json;
using Laevitas.Grains.Abstractions.Indexes;

namespace Laevitas.Feed;

/// <summary>
/// Reads the <c>data</c> object of an index channel's notification, in the shapes docs.deribit.com documents:
/// <c>deribit_price_index.{index}</c> → <c>{"index_name","price","timestamp"}</c>;
/// <c>deribit_volatility_index.{index}</c> → <c>{"index_name","volatility","timestamp"}</c>;
/// <c>estimated_expiration_price.{index}</c> → <c>{"seconds","price","is_estimated"}</c>, which has no timestamp (its
/// time is when the silo read it). The index and kind come from the channel; an <c>index_name</c> naming another index
/// makes the value unusable. A few a second per index, so a plain reader pass; unknown fields are skipped.
/// </summary>
internal static class IndexValueParser
{
    /// <summary>False (with the problem) when the channel is not an index channel or the data lacks or mistypes a required field.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, string channel, long receivedAtMs, out IndexValue? value, out FrameProblem problem)
    {
        value = null;
        problem = FrameProblem.None;
        if (!TryReadChannel(channel, out var kind, out var indexName))
        {
            problem = FrameProblem.UnknownChannel;
            return false;
        }

        string? dataIndex = null;
        double? number = null;
        long? timestamp = null;
        long? seconds = null;
        bool? isEstimated = null;
        var valueName = kind == IndexValueKind.Volatility ? "volatility"u8 : "price"u8;
        try
        {
            var reader = new Utf8JsonReader(data);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = FrameProblem.WrongType;
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals(valueName))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var parsed) || !double.IsFinite(parsed))
                    {
                        problem = FrameProblem.WrongType;
                        return false;
                    }

                    number = parsed;
                }
                else if (reader.ValueTextEquals("timestamp"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var ms))
                    {
                        problem = FrameProblem.WrongType;
                        return false;
                    }

                    timestamp = ms;
                }
                else if (reader.ValueTextEquals("index_name"u8))
                {
                    reader.Read();
                    dataIndex = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("seconds"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var s))
                    {
                        problem = FrameProblem.WrongType;
                        return false;
                    }

                    seconds = s;
                }
                else if (reader.ValueTextEquals("is_estimated"u8))
                {
                    reader.Read();
                    if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False))
                    {
                        problem = FrameProblem.WrongType;
                        return false;
                    }

                    isEstimated = reader.TokenType == JsonTokenType.True;
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
            problem = FrameProblem.InvalidJson;
            return false;
        }

        if (dataIndex is not null && !string.Equals(dataIndex, indexName, StringComparison.Ordinal))
        {
            problem = FrameProblem.MismatchedInstrument;
            return false;
        }

        var estimated = kind == IndexValueKind.EstimatedExpiration;
        if (number is null || (!estimated && timestamp is null) || (estimated && seconds is null))
        {
            problem = FrameProblem.MissingField;
            return false;
        }

        value = new IndexValue
        {
            IndexName = indexName,
            Kind = kind,
            Timestamp = timestamp ?? receivedAtMs,
            Value = number.Value,
            Seconds = estimated ? seconds : null,
            IsEstimated = estimated ? isEstimated : null,
            ReceivedAtMs = receivedAtMs,
        };
        return true;
    }

    /// <summary>The kind and index of an index channel's name.</summary>
    public static bool TryReadChannel(string channel, out IndexValueKind kind, out string indexName)
    {
        (kind, indexName) = channel switch
        {
            _ when channel.StartsWith(DeribitIndexes.PriceChannelPrefix, StringComparison.Ordinal) =>
                (IndexValueKind.Price, channel[DeribitIndexes.PriceChannelPrefix.Length..]),
            _ when channel.StartsWith(DeribitIndexes.VolatilityChannelPrefix, StringComparison.Ordinal) =>
                (IndexValueKind.Volatility, channel[DeribitIndexes.VolatilityChannelPrefix.Length..]),
            _ when channel.StartsWith(DeribitIndexes.EstimatedExpirationChannelPrefix, StringComparison.Ordinal) =>
                (IndexValueKind.EstimatedExpiration, channel[DeribitIndexes.EstimatedExpirationChannelPrefix.Length..]),
            _ => (IndexValueKind.Price, ""),
        };
        return indexName.Length > 0;
    }
}
