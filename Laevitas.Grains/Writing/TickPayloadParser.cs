using System.Text.Json;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Text;
using Laevitas.Streaming.Kafka.Providers;

namespace Laevitas.Grains.Writing;

/// <summary>
/// Turns a ticker's <c>data</c> JSON into a <see cref="DeribitPriceRow"/> in one forward pass of a
/// <see cref="Utf8JsonReader"/> (no DOM, no per-field allocation except the rare new string), and enriches it from
/// the instrument name. Strict about the fields it stores: a stored field of the wrong type, a non-finite number or
/// a missing name/timestamp rejects the tick (the caller counts and skips it); unknown fields are ignored.
/// </summary>
public static class TickPayloadParser
{
    // Exchange timestamps outside 2000-01-01 .. 2200-01-01 are garbage; they would also create absurd partitions.
    private const long MinTimestampMs = 946_684_800_000;
    private const long MaxTimestampMs = 7_258_118_400_000;

    // A tick stamped well after it was read is garbage too (a clock cannot be that far off); it would land in a
    // partition of a future day and stand as the instrument's "latest" row until then.
    private const long MaxAheadOfReceiptMs = 86_400_000;

    private const int MaxIndexNameLength = 64;

    // A few hundred distinct values (index names, future names): shared instead of allocated per tick.
    private static readonly BoundedStringCache IndexNames = new(4_096);

    private enum Field
    {
        Unknown,
        InstrumentName,
        Timestamp,
        State,
        UnderlyingIndex,
        UnderlyingPrice,
        IndexPrice,
        EstimatedDeliveryPrice,
        SettlementPrice,
        OpenInterest,
        MinPrice,
        MaxPrice,
        MarkPrice,
        MarkIv,
        LastPrice,
        InterestRate,
        BidIv,
        AskIv,
        BestBidPrice,
        BestBidAmount,
        BestAskPrice,
        BestAskAmount,
        Greeks,
        Stats,
        Delta,
        Gamma,
        Vega,
        Theta,
        Rho,
        Volume,
        PriceChange,
        Low,
        High,
    }

    /// <summary>
    /// Fills <paramref name="row"/> from <paramref name="json"/>. Returns false with a short reason when the tick is
    /// unusable; <paramref name="row"/> is then in an unspecified state.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> json, long receivedAtMs, ref DeribitPriceRow row, out string? error)
    {
        row = default;
        ParsedInstrumentName? instrument = null;
        var hasTimestamp = false;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "payload is not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = Identify(ref reader, nested: null);
                reader.Read();
                switch (field)
                {
                    case Field.InstrumentName:
                        if (!TryReadInstrument(ref reader, out instrument, out error))
                        {
                            return false;
                        }

                        break;
                    case Field.Timestamp:
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var timestamp)
                            || timestamp is < MinTimestampMs or > MaxTimestampMs)
                        {
                            error = "timestamp is not an integer of milliseconds since 2000";
                            return false;
                        }

                        row.Timestamp = timestamp;
                        hasTimestamp = true;
                        break;
                    case Field.State:
                        if (!TryReadState(ref reader, out row.State, out error))
                        {
                            return false;
                        }

                        break;
                    case Field.UnderlyingIndex:
                        if (!TryReadIndexName(ref reader, out row.UnderlyingIndex, out error))
                        {
                            return false;
                        }

                        break;
                    case Field.Greeks:
                    case Field.Stats:
                        if (!TryReadNested(ref reader, field, ref row, out error))
                        {
                            return false;
                        }

                        break;
                    case Field.EstimatedDeliveryPrice when reader.TokenType == JsonTokenType.String:
                        // Around delivery the exchange sends the string "expired" here (the instrument's last ticker):
                        // no price to store, but the tick itself is good.
                        row.EstimatedDeliveryPrice = null;
                        break;
                    case Field.Unknown:
                        reader.Skip();
                        break;
                    default:
                        if (!TryReadNumber(ref reader, field, ref row, out error))
                        {
                            return false;
                        }

                        break;
                }
            }
        }
        catch (JsonException)
        {
            error = "malformed JSON";
            return false;
        }
        catch (InvalidOperationException)
        {
            // Utf8JsonReader refuses to transcode invalid UTF-8 inside strings.
            error = "invalid UTF-8 in a string";
            return false;
        }

        if (instrument is null)
        {
            error = "instrument_name is missing";
            return false;
        }

        if (!hasTimestamp)
        {
            error = "timestamp is missing";
            return false;
        }

        if (receivedAtMs > 0 && row.Timestamp > receivedAtMs + MaxAheadOfReceiptMs)
        {
            error = "timestamp is more than a day after the tick was received";
            return false;
        }

        Enrich(ref row, instrument);
        row.ReceivedAt = receivedAtMs > 0 ? DateTime.UnixEpoch.AddMilliseconds(receivedAtMs) : null;
        error = null;
        return true;
    }

    private static void Enrich(ref DeribitPriceRow row, ParsedInstrumentName instrument)
    {
        row.InstrumentName = instrument.Raw;
        row.Currency = instrument.Currency;
        row.Maturity = instrument.Expiry;
        row.Strike = instrument.Strike is { } strike ? (double)strike : null;
        row.Type = instrument.OptionType switch
        {
            'C' => "C",
            'P' => "P",
            _ => null,
        };
        row.Kind = instrument.Kind switch
        {
            InstrumentKind.Option => "option",
            InstrumentKind.Future => "future",
            InstrumentKind.Perpetual => "perpetual",
            InstrumentKind.FutureCombo => "future_combo",
            InstrumentKind.OptionCombo => "option_combo",
            InstrumentKind.Spot => "spot",
            _ => null,
        };
    }

    private static bool TryReadInstrument(ref Utf8JsonReader reader, out ParsedInstrumentName? instrument, out string? error)
    {
        instrument = null;
        if (reader.TokenType != JsonTokenType.String)
        {
            error = "instrument_name is not a string";
            return false;
        }

        // Names are short; decode into the stack and let the parser's cache return the shared string.
        if (reader.ValueSpan.Length > InstrumentNameParser.MaxNameLength * 6)
        {
            error = "instrument_name is too long";
            return false;
        }

        Span<char> buffer = stackalloc char[InstrumentNameParser.MaxNameLength * 6];
        var name = buffer[..reader.CopyString(buffer)];
        if (name.IsEmpty || name.Length > InstrumentNameParser.MaxNameLength || name.Contains('\0'))
        {
            error = "instrument_name is empty, too long or contains NUL";
            return false;
        }

        instrument = InstrumentNameParser.Parse(name);
        error = null;
        return true;
    }

    private static bool TryReadState(ref Utf8JsonReader reader, out string? state, out string? error)
    {
        state = null;
        error = null;
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.String:
                // The documented states; anything else is kept as sent.
                if (reader.ValueTextEquals("open"u8))
                {
                    state = "open";
                }
                else if (reader.ValueTextEquals("closed"u8))
                {
                    state = "closed";
                }
                else if (reader.ValueTextEquals("settlement"u8))
                {
                    state = "settlement";
                }
                else if (reader.ValueTextEquals("delivered"u8))
                {
                    state = "delivered";
                }
                else
                {
                    state = reader.GetString();
                    if (state is null || state.Length > MaxIndexNameLength || state.Contains('\0'))
                    {
                        error = "state is too long or contains NUL";
                        return false;
                    }
                }

                return true;
            default:
                error = "state is not a string";
                return false;
        }
    }

    private static bool TryReadIndexName(ref Utf8JsonReader reader, out string? index, out string? error)
    {
        index = null;
        error = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.String || reader.ValueSpan.Length > MaxIndexNameLength * 6)
        {
            error = "underlying_index is not a short string";
            return false;
        }

        Span<char> buffer = stackalloc char[MaxIndexNameLength * 6];
        var chars = buffer[..reader.CopyString(buffer)];
        if (chars.Length > MaxIndexNameLength || chars.Contains('\0'))
        {
            error = "underlying_index is too long or contains NUL";
            return false;
        }

        index = IndexNames.Get(chars);
        return true;
    }

    private static bool TryReadNested(ref Utf8JsonReader reader, Field parent, ref DeribitPriceRow row, out string? error)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            error = null;
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            error = parent == Field.Greeks ? "greeks is not an object" : "stats is not an object";
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = Identify(ref reader, parent);
            reader.Read();
            if (field == Field.Unknown)
            {
                reader.Skip();
            }
            else if (!TryReadNumber(ref reader, field, ref row, out error))
            {
                return false;
            }
        }

        error = null;
        return true;
    }

    private static bool TryReadNumber(ref Utf8JsonReader reader, Field field, ref DeribitPriceRow row, out string? error)
    {
        double? value;
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                value = null;
                break;
            case JsonTokenType.Number when TryGetDouble(ref reader, out var number) && double.IsFinite(number):
                value = number;
                break;
            default:
                // Only the failure path pays for the message.
                error = $"{field} is not a finite number";
                return false;
        }

        switch (field)
        {
            case Field.UnderlyingPrice: row.UnderlyingPrice = value; break;
            case Field.IndexPrice: row.IndexPrice = value; break;
            case Field.EstimatedDeliveryPrice: row.EstimatedDeliveryPrice = value; break;
            case Field.SettlementPrice: row.SettlementPrice = value; break;
            case Field.OpenInterest: row.OpenInterest = value; break;
            case Field.MinPrice: row.MinPrice = value; break;
            case Field.MaxPrice: row.MaxPrice = value; break;
            case Field.MarkPrice: row.MarkPrice = value; break;
            case Field.MarkIv: row.MarkIv = value; break;
            case Field.LastPrice: row.LastPrice = value; break;
            case Field.InterestRate: row.InterestRate = value; break;
            case Field.BidIv: row.BidIv = value; break;
            case Field.AskIv: row.AskIv = value; break;
            case Field.BestBidPrice: row.BestBidPrice = value; break;
            case Field.BestBidAmount: row.BestBidAmount = value; break;
            case Field.BestAskPrice: row.BestAskPrice = value; break;
            case Field.BestAskAmount: row.BestAskAmount = value; break;
            case Field.Delta: row.Delta = value; break;
            case Field.Gamma: row.Gamma = value; break;
            case Field.Vega: row.Vega = value; break;
            case Field.Theta: row.Theta = value; break;
            case Field.Rho: row.Rho = value; break;
            case Field.Volume: row.StatsVolume = value; break;
            case Field.PriceChange: row.StatsPriceChange = value; break;
            case Field.Low: row.StatsLow = value; break;
            case Field.High: row.StatsHigh = value; break;
        }

        error = null;
        return true;
    }

    // A number token is never escaped and, read from one span, never split: ValueSpan is its text.
    private static bool TryGetDouble(ref Utf8JsonReader reader, out double value) =>
        DecimalDouble.TryParse(reader.ValueSpan, out value) || reader.TryGetDouble(out value);

    /// <summary>Which field the current property name is; <paramref name="nested"/> is the enclosing object, if any.</summary>
    private static Field Identify(ref Utf8JsonReader reader, Field? nested)
    {
        scoped ReadOnlySpan<byte> name = reader.ValueSpan;
        Span<byte> unescaped = stackalloc byte[32];
        if (reader.ValueIsEscaped)
        {
            // Deribit never escapes names, but a valid escape must not turn a known field into an ignored one.
            if (name.Length > 6 * unescaped.Length)
            {
                return Field.Unknown;
            }

            Span<byte> scratch = stackalloc byte[6 * 32];
            var length = reader.CopyString(scratch);
            if (length > unescaped.Length)
            {
                return Field.Unknown;
            }

            scratch[..length].CopyTo(unescaped);
            name = unescaped[..length];
        }

        return nested switch
        {
            Field.Greeks => name switch
            {
                _ when name.SequenceEqual("delta"u8) => Field.Delta,
                _ when name.SequenceEqual("gamma"u8) => Field.Gamma,
                _ when name.SequenceEqual("vega"u8) => Field.Vega,
                _ when name.SequenceEqual("theta"u8) => Field.Theta,
                _ when name.SequenceEqual("rho"u8) => Field.Rho,
                _ => Field.Unknown,
            },
            Field.Stats => name switch
            {
                _ when name.SequenceEqual("volume"u8) => Field.Volume,
                _ when name.SequenceEqual("price_change"u8) => Field.PriceChange,
                _ when name.SequenceEqual("low"u8) => Field.Low,
                _ when name.SequenceEqual("high"u8) => Field.High,
                _ => Field.Unknown,
            },
            _ => IdentifyTopLevel(name),
        };
    }

    // Dispatch on length first so a name is compared with at most a few candidates.
    private static Field IdentifyTopLevel(ReadOnlySpan<byte> name) => name.Length switch
    {
        5 when name.SequenceEqual("state"u8) => Field.State,
        5 when name.SequenceEqual("stats"u8) => Field.Stats,
        6 when name.SequenceEqual("bid_iv"u8) => Field.BidIv,
        6 when name.SequenceEqual("ask_iv"u8) => Field.AskIv,
        6 when name.SequenceEqual("greeks"u8) => Field.Greeks,
        7 when name.SequenceEqual("mark_iv"u8) => Field.MarkIv,
        9 when name.SequenceEqual("timestamp"u8) => Field.Timestamp,
        9 when name.SequenceEqual("min_price"u8) => Field.MinPrice,
        9 when name.SequenceEqual("max_price"u8) => Field.MaxPrice,
        10 when name.SequenceEqual("mark_price"u8) => Field.MarkPrice,
        10 when name.SequenceEqual("last_price"u8) => Field.LastPrice,
        11 when name.SequenceEqual("index_price"u8) => Field.IndexPrice,
        13 when name.SequenceEqual("open_interest"u8) => Field.OpenInterest,
        13 when name.SequenceEqual("interest_rate"u8) => Field.InterestRate,
        14 when name.SequenceEqual("best_bid_price"u8) => Field.BestBidPrice,
        14 when name.SequenceEqual("best_ask_price"u8) => Field.BestAskPrice,
        15 when name.SequenceEqual("instrument_name"u8) => Field.InstrumentName,
        15 when name.SequenceEqual("best_bid_amount"u8) => Field.BestBidAmount,
        15 when name.SequenceEqual("best_ask_amount"u8) => Field.BestAskAmount,
        16 when name.SequenceEqual("underlying_price"u8) => Field.UnderlyingPrice,
        16 when name.SequenceEqual("underlying_index"u8) => Field.UnderlyingIndex,
        16 when name.SequenceEqual("settlement_price"u8) => Field.SettlementPrice,
        24 when name.SequenceEqual("estimated_delivery_price"u8) => Field.EstimatedDeliveryPrice,
        _ => Field.Unknown,
    };
}
