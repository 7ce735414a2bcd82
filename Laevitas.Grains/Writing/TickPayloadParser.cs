using System.Text.Json;
using Laevitas.Grains.Abstractions.History;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Text;
using Laevitas.Streaming.Kafka.Providers;

using Field = Laevitas.Grains.Abstractions.History.TickerField;

namespace Laevitas.Grains.Writing;

/// <summary>
/// Turns a ticker's <c>data</c> JSON into a <see cref="DeribitPriceRow"/> in one forward pass of a
/// <see cref="Utf8JsonReader"/> (no DOM, no per-field allocation except the rare new string), and enriches it from
/// the instrument name. Strict about the fields it stores: a stored field of the wrong type, a non-finite number or
/// a missing name/timestamp rejects the tick (the caller counts and skips it); fields without a column are kept in
/// the row's extra JSON (<see cref="TickExtrasBuilder"/>).
/// </summary>
public static class TickPayloadParser
{
    // Exchange timestamps outside 2000-01-01 .. 2200-01-01 are garbage; they would also create absurd partitions.
    internal const long MinTimestampMs = 946_684_800_000;
    internal const long MaxTimestampMs = 7_258_118_400_000;

    // A tick stamped well after it was read is garbage too (a clock cannot be that far off); it would land in a
    // partition of a future day and stand as the instrument's "latest" row until then.
    private const long MaxAheadOfReceiptMs = 86_400_000;

    private const int MaxIndexNameLength = 64;

    // A few hundred distinct values (index names, future names): shared instead of allocated per tick.
    private static readonly BoundedStringCache IndexNames = new(4_096);

    // Not a field with a column: its value goes to the row's extra JSON.
    private const Field UnknownField = (Field)(-1);


    /// <summary>
    /// Fills <paramref name="row"/> from <paramref name="json"/>. Returns false with a short reason when the tick is
    /// unusable; <paramref name="row"/> is then in an unspecified state.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> json, long receivedAtMs, ref DeribitPriceRow row, out string? error)
    {
        row = default;
        ParsedInstrumentName? instrument = null;
        var hasTimestamp = false;
        var extras = TickExtrasBuilder.Current;
        extras.Reset();
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
                // Only a field without a column needs its name as a string (rare: a field Deribit added later).
                var unknownName = field == UnknownField ? reader.GetString() : null;
                reader.Read();
                switch (field)
                {
                    case Field.InstrumentName:
                        if (!TryReadInstrument(ref reader, out instrument, out error))
                        {
                            return false;
                        }

                        MarkPresent(ref row, field);
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
                        MarkPresent(ref row, field);
                        break;
                    case Field.State:
                        if (!TryReadState(ref reader, out row.State, out error))
                        {
                            return false;
                        }

                        MarkPresent(ref row, field);
                        break;
                    case Field.ComboState:
                        if (!TryReadComboState(ref reader, out row.ComboState, out error))
                        {
                            return false;
                        }

                        MarkPresent(ref row, field);
                        break;
                    case Field.UnderlyingIndex:
                        if (!TryReadIndexName(ref reader, out row.UnderlyingIndex, out error))
                        {
                            return false;
                        }

                        MarkPresent(ref row, field);
                        break;
                    case Field.Greeks or Field.Stats when reader.TokenType == JsonTokenType.Null:
                        // Kept as sent: the presence bit of greeks/stats means "an object", so rebuilding tells
                        // "greeks": null from "greeks": {}.
                        extras.Add(field == Field.Greeks ? "greeks" : "stats", "null"u8);
                        break;
                    case Field.Greeks:
                    case Field.Stats:
                        if (!TryReadNested(ref reader, json, field, ref row, extras, out error))
                        {
                            return false;
                        }

                        MarkPresent(ref row, field);
                        break;
                    case Field.EstimatedDeliveryPrice when reader.TokenType == JsonTokenType.String:
                        // Around delivery the exchange sends the string "expired" here (the instrument's last ticker):
                        // no price for the column, but the tick is good and the text is kept with the other extras.
                        row.EstimatedDeliveryPrice = null;
                        extras.Add("estimated_delivery_price", RawValue(ref reader, json));
                        break;
                    case UnknownField:
                        extras.Add(unknownName!, RawValue(ref reader, json));
                        break;
                    default:
                        if (!TryReadNumber(ref reader, field, ref row, out error))
                        {
                            return false;
                        }

                        break;
                }
            }

            row.Extra = extras.ToArray();
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
        // The unit prices are quoted in and the currency the instrument settles in, so inverse and linear instruments
        // of one base currency (BTC-27DEC24-100000-C in BTC, BTC_USDC-27DEC24-100000-C in USDC) are told apart:
        // linear instruments and spot pairs are quoted and settled in the currency after the underscore; inverse
        // options (and option combos) are quoted and settled in the base currency; inverse futures, perpetuals and
        // future combos are quoted in USD and settled in the base currency.
        if (instrument.QuoteCurrency is { } quote)
        {
            row.QuoteCurrency = quote;
            row.SettlementCurrency = quote;
        }
        else if (instrument.Kind is InstrumentKind.Option or InstrumentKind.OptionCombo)
        {
            row.QuoteCurrency = instrument.Currency;
            row.SettlementCurrency = instrument.Currency;
        }
        else if (instrument.Kind is InstrumentKind.Future or InstrumentKind.Perpetual or InstrumentKind.FutureCombo)
        {
            row.QuoteCurrency = "USD";
            row.SettlementCurrency = instrument.Currency;
        }

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

    private static bool TryReadComboState(ref Utf8JsonReader reader, out string? comboState, out string? error)
    {
        comboState = null;
        error = null;
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.String:
                // The values seen on the exchange are shared; anything else is kept as sent.
                if (reader.ValueTextEquals("active"u8))
                {
                    comboState = "active";
                }
                else if (reader.ValueTextEquals("inactive"u8))
                {
                    comboState = "inactive";
                }
                else
                {
                    comboState = reader.GetString();
                    if (comboState is null || comboState.Length > MaxIndexNameLength || comboState.Contains('\0'))
                    {
                        error = "combo_state is too long or contains NUL";
                        return false;
                    }
                }

                return true;
            default:
                error = "combo_state is not a string";
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

    private static bool TryReadNested(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, Field parent, ref DeribitPriceRow row, TickExtrasBuilder extras, out string? error)
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
            var unknownName = field == UnknownField ? reader.GetString() : null;
            reader.Read();
            if (field == UnknownField)
            {
                extras.AddNested(parent == Field.Greeks ? "greeks" : "stats", unknownName!, RawValue(ref reader, json));
            }
            else if (!TryReadNumber(ref reader, field, ref row, out error))
            {
                return false;
            }
        }

        extras.CloseNested();
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
            case Field.StatsVolume: row.StatsVolume = value; break;
            case Field.StatsPriceChange: row.StatsPriceChange = value; break;
            case Field.StatsLow: row.StatsLow = value; break;
            case Field.StatsHigh: row.StatsHigh = value; break;
            case Field.DeliveryPrice: row.DeliveryPrice = value; break;
            case Field.Funding8h: row.Funding8h = value; break;
            case Field.CurrentFunding: row.CurrentFunding = value; break;
            case Field.InterestValue: row.InterestValue = value; break;
            case Field.StatsVolumeUsd: row.StatsVolumeUsd = value; break;
            case Field.StatsVolumeNotional: row.StatsVolumeNotional = value; break;
            case Field.ImpliedBid: row.ImpliedBid = value; break;
            case Field.ImpliedAsk: row.ImpliedAsk = value; break;
        }

        MarkPresent(ref row, field);
        error = null;
        return true;
    }

    /// <summary>The current value's JSON text (the whole object or array when it is one), leaving the reader at its end.</summary>
    private static ReadOnlySpan<byte> RawValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> json)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return json[start..(int)reader.BytesConsumed];
    }

    private static void MarkPresent(ref DeribitPriceRow row, Field field) => row.FieldsPresent |= 1L << (int)field;

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
                return UnknownField;
            }

            Span<byte> scratch = stackalloc byte[6 * 32];
            var length = reader.CopyString(scratch);
            if (length > unescaped.Length)
            {
                return UnknownField;
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
                _ => UnknownField,
            },
            Field.Stats => name switch
            {
                _ when name.SequenceEqual("volume"u8) => Field.StatsVolume,
                _ when name.SequenceEqual("price_change"u8) => Field.StatsPriceChange,
                _ when name.SequenceEqual("low"u8) => Field.StatsLow,
                _ when name.SequenceEqual("high"u8) => Field.StatsHigh,
                _ when name.SequenceEqual("volume_usd"u8) => Field.StatsVolumeUsd,
                _ when name.SequenceEqual("volume_notional"u8) => Field.StatsVolumeNotional,
                _ => UnknownField,
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
        10 when name.SequenceEqual("funding_8h"u8) => Field.Funding8h,
        9 when name.SequenceEqual("min_price"u8) => Field.MinPrice,
        9 when name.SequenceEqual("max_price"u8) => Field.MaxPrice,
        10 when name.SequenceEqual("mark_price"u8) => Field.MarkPrice,
        10 when name.SequenceEqual("last_price"u8) => Field.LastPrice,
        11 when name.SequenceEqual("index_price"u8) => Field.IndexPrice,
        11 when name.SequenceEqual("implied_bid"u8) => Field.ImpliedBid,
        11 when name.SequenceEqual("implied_ask"u8) => Field.ImpliedAsk,
        11 when name.SequenceEqual("combo_state"u8) => Field.ComboState,
        13 when name.SequenceEqual("open_interest"u8) => Field.OpenInterest,
        13 when name.SequenceEqual("interest_rate"u8) => Field.InterestRate,
        14 when name.SequenceEqual("delivery_price"u8) => Field.DeliveryPrice,
        14 when name.SequenceEqual("interest_value"u8) => Field.InterestValue,
        14 when name.SequenceEqual("best_bid_price"u8) => Field.BestBidPrice,
        14 when name.SequenceEqual("best_ask_price"u8) => Field.BestAskPrice,
        15 when name.SequenceEqual("instrument_name"u8) => Field.InstrumentName,
        15 when name.SequenceEqual("best_bid_amount"u8) => Field.BestBidAmount,
        15 when name.SequenceEqual("best_ask_amount"u8) => Field.BestAskAmount,
        15 when name.SequenceEqual("current_funding"u8) => Field.CurrentFunding,
        16 when name.SequenceEqual("underlying_price"u8) => Field.UnderlyingPrice,
        16 when name.SequenceEqual("underlying_index"u8) => Field.UnderlyingIndex,
        16 when name.SequenceEqual("settlement_price"u8) => Field.SettlementPrice,
        24 when name.SequenceEqual("estimated_delivery_price"u8) => Field.EstimatedDeliveryPrice,
        _ => UnknownField,
    };
}
