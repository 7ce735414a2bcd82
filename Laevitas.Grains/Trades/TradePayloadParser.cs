using System.Text.Json;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Trades;
using Laevitas.Grains.Text;
using Laevitas.Grains.Writing;

namespace Laevitas.Grains.Trades;

/// <summary>
/// Turns one trade object of a <c>trades.*</c> notification into a <see cref="DeribitTradeRow"/> in one forward pass of
/// a <see cref="Utf8JsonReader"/>. Fields with no column (a combo trade's <c>legs</c>, anything Deribit adds) are kept
/// as sent in <see cref="DeribitTradeRow.Extra"/>. A trade without instrument_name, trade_id or timestamp, or a
/// stored field of the wrong type, is refused with a reason.
/// </summary>
/// <remarks>
/// Trades are a small fraction of the ticker rate (one print per match, not one per book change), so the string
/// fields are read with <c>GetString</c>; the names repeat and come from the instrument parser's cache.
/// </remarks>
public static class TradePayloadParser
{
    private const long MinTimestampMs = 946_684_800_000;
    private const long MaxTimestampMs = 7_258_118_400_000;
    private const int MaxTextLength = 128;

    private const TradeField UnknownField = (TradeField)(-1);

    public static bool TryParse(ReadOnlySpan<byte> json, long receivedAtMs, ref DeribitTradeRow row, out string? error)
    {
        row = default;
        ParsedInstrumentName? instrument = null;
        var extras = TickExtrasBuilder.Current;
        extras.Reset();
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "trade is not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = Identify(reader.ValueSpan, reader.ValueIsEscaped);
                var name = field == UnknownField ? reader.GetString() : null;
                reader.Read();
                if (field == UnknownField)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    extras.Add(name!, json[start..(int)reader.BytesConsumed]);
                    continue;
                }

                if (!TryRead(ref reader, field, ref row, ref instrument, out error))
                {
                    return false;
                }

                row.FieldsPresent |= 1L << (int)field;
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
            error = "invalid UTF-8 in a string";
            return false;
        }

        if (instrument is null || row.TradeId is null || !TradeFields.IsPresent(row.FieldsPresent, TradeField.Timestamp))
        {
            error = "instrument_name, trade_id or timestamp is missing";
            return false;
        }

        row.InstrumentName = instrument.Raw;
        // Deribit numbers trades per currency of the market (trades.{kind}.{currency}): linear instruments trade
        // under their quote currency (USDC), inverse ones under their base currency.
        row.Currency = instrument.QuoteCurrency ?? instrument.Currency ?? "";
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
        row.ReceivedAt = receivedAtMs > 0 ? DateTime.UnixEpoch.AddMilliseconds(receivedAtMs) : null;
        error = null;
        return true;
    }

    private static bool TryRead(ref Utf8JsonReader reader, TradeField field, ref DeribitTradeRow row, ref ParsedInstrumentName? instrument, out string? error)
    {
        error = null;
        switch (field)
        {
            case TradeField.InstrumentName:
                if (!TryText(ref reader, out var name) || name is null)
                {
                    error = "instrument_name is not a short string";
                    return false;
                }

                instrument = InstrumentNameParser.Parse(name);
                return true;
            case TradeField.TradeId:
                if (!TryText(ref reader, out var tradeId) || tradeId is null)
                {
                    error = "trade_id is not a short string";
                    return false;
                }

                row.TradeId = tradeId;
                return true;
            case TradeField.Direction: return TryText(ref reader, out row.Direction) || Fail(field, out error);
            case TradeField.Liquidation: return TryText(ref reader, out row.Liquidation) || Fail(field, out error);
            case TradeField.BlockTradeId: return TryText(ref reader, out row.BlockTradeId) || Fail(field, out error);
            case TradeField.ComboId: return TryText(ref reader, out row.ComboId) || Fail(field, out error);
            case TradeField.ComboTradeId: return TryText(ref reader, out row.ComboTradeId) || Fail(field, out error);
            case TradeField.Timestamp:
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out row.Timestamp) || row.Timestamp is < MinTimestampMs or > MaxTimestampMs)
                {
                    error = "timestamp is not an integer of milliseconds since 2000";
                    return false;
                }

                return true;
            case TradeField.TradeSeq:
                return TryLong(ref reader, out row.TradeSeq) || Fail(field, out error);
            case TradeField.TickDirection:
                return TryInt(ref reader, out row.TickDirection) || Fail(field, out error);
            case TradeField.BlockTradeLegCount:
                return TryInt(ref reader, out row.BlockTradeLegCount) || Fail(field, out error);
            case TradeField.Price: return TryNumber(ref reader, out row.Price) || Fail(field, out error);
            case TradeField.Amount: return TryNumber(ref reader, out row.Amount) || Fail(field, out error);
            case TradeField.Contracts: return TryNumber(ref reader, out row.Contracts) || Fail(field, out error);
            case TradeField.Iv: return TryNumber(ref reader, out row.Iv) || Fail(field, out error);
            case TradeField.IndexPrice: return TryNumber(ref reader, out row.IndexPrice) || Fail(field, out error);
            case TradeField.MarkPrice: return TryNumber(ref reader, out row.MarkPrice) || Fail(field, out error);
            default:
                return Fail(field, out error);
        }
    }

    private static bool Fail(TradeField field, out string? error)
    {
        error = $"{TradeFields.JsonName(field)} has the wrong type or is out of range";
        return false;
    }

    private static bool TryText(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.String || reader.ValueSpan.Length > MaxTextLength * 6)
        {
            return false;
        }

        value = reader.GetString();
        return value is not null && value.Length <= MaxTextLength && !value.Contains('\0');
    }

    private static bool TryNumber(ref Utf8JsonReader reader, out double? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType == JsonTokenType.Number
            && (DecimalDouble.TryParse(reader.ValueSpan, out var number) || reader.TryGetDouble(out number)) && double.IsFinite(number))
        {
            value = number;
            return true;
        }

        return false;
    }

    private static bool TryLong(ref Utf8JsonReader reader, out long? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number))
        {
            value = number;
            return true;
        }

        return false;
    }

    private static bool TryInt(ref Utf8JsonReader reader, out int? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number))
        {
            value = number;
            return true;
        }

        return false;
    }

    private static TradeField Identify(ReadOnlySpan<byte> name, bool escaped)
    {
        // Deribit never escapes property names; an escaped one is kept under its unescaped name in extra.
        if (escaped)
        {
            return UnknownField;
        }

        return name.Length switch
        {
            2 when name.SequenceEqual("iv"u8) => TradeField.Iv,
            5 when name.SequenceEqual("price"u8) => TradeField.Price,
            6 when name.SequenceEqual("amount"u8) => TradeField.Amount,
            8 when name.SequenceEqual("trade_id"u8) => TradeField.TradeId,
            8 when name.SequenceEqual("combo_id"u8) => TradeField.ComboId,
            9 when name.SequenceEqual("trade_seq"u8) => TradeField.TradeSeq,
            9 when name.SequenceEqual("timestamp"u8) => TradeField.Timestamp,
            9 when name.SequenceEqual("direction"u8) => TradeField.Direction,
            9 when name.SequenceEqual("contracts"u8) => TradeField.Contracts,
            10 when name.SequenceEqual("mark_price"u8) => TradeField.MarkPrice,
            11 when name.SequenceEqual("index_price"u8) => TradeField.IndexPrice,
            11 when name.SequenceEqual("liquidation"u8) => TradeField.Liquidation,
            14 when name.SequenceEqual("tick_direction"u8) => TradeField.TickDirection,
            14 when name.SequenceEqual("block_trade_id"u8) => TradeField.BlockTradeId,
            14 when name.SequenceEqual("combo_trade_id"u8) => TradeField.ComboTradeId,
            15 when name.SequenceEqual("instrument_name"u8) => TradeField.InstrumentName,
            21 when name.SequenceEqual("block_trade_leg_count"u8) => TradeField.BlockTradeLegCount,
            _ => UnknownField,
        };
    }
}
