using System.Text.Json;
using Laevitas.DeribitSimulator.Universe;

namespace Laevitas.DeribitSimulator.Ticks;

/// <summary>
/// Writes a <c>subscription</c> notification for a ticker channel, with the fields Deribit sends for the
/// instrument's kind. Property names are pre-encoded so the hot path only formats numbers.
/// </summary>
internal static class TickerWriter
{
    private static readonly JsonEncodedText JsonRpc = JsonEncodedText.Encode("jsonrpc");
    private static readonly JsonEncodedText Version = JsonEncodedText.Encode("2.0");
    private static readonly JsonEncodedText Method = JsonEncodedText.Encode("method");
    private static readonly JsonEncodedText Subscription = JsonEncodedText.Encode("subscription");
    private static readonly JsonEncodedText Params = JsonEncodedText.Encode("params");
    private static readonly JsonEncodedText Channel = JsonEncodedText.Encode("channel");
    private static readonly JsonEncodedText Data = JsonEncodedText.Encode("data");

    private static readonly JsonEncodedText Timestamp = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText State = JsonEncodedText.Encode("state");
    private static readonly JsonEncodedText Stats = JsonEncodedText.Encode("stats");
    private static readonly JsonEncodedText Volume = JsonEncodedText.Encode("volume");
    private static readonly JsonEncodedText VolumeUsd = JsonEncodedText.Encode("volume_usd");
    private static readonly JsonEncodedText PriceChange = JsonEncodedText.Encode("price_change");
    private static readonly JsonEncodedText Low = JsonEncodedText.Encode("low");
    private static readonly JsonEncodedText High = JsonEncodedText.Encode("high");
    private static readonly JsonEncodedText Greeks = JsonEncodedText.Encode("greeks");
    private static readonly JsonEncodedText Delta = JsonEncodedText.Encode("delta");
    private static readonly JsonEncodedText Gamma = JsonEncodedText.Encode("gamma");
    private static readonly JsonEncodedText Vega = JsonEncodedText.Encode("vega");
    private static readonly JsonEncodedText Theta = JsonEncodedText.Encode("theta");
    private static readonly JsonEncodedText Rho = JsonEncodedText.Encode("rho");
    private static readonly JsonEncodedText IndexPrice = JsonEncodedText.Encode("index_price");
    private static readonly JsonEncodedText InstrumentName = JsonEncodedText.Encode("instrument_name");
    private static readonly JsonEncodedText LastPrice = JsonEncodedText.Encode("last_price");
    private static readonly JsonEncodedText SettlementPrice = JsonEncodedText.Encode("settlement_price");
    private static readonly JsonEncodedText MinPrice = JsonEncodedText.Encode("min_price");
    private static readonly JsonEncodedText MaxPrice = JsonEncodedText.Encode("max_price");
    private static readonly JsonEncodedText OpenInterest = JsonEncodedText.Encode("open_interest");
    private static readonly JsonEncodedText MarkPrice = JsonEncodedText.Encode("mark_price");
    private static readonly JsonEncodedText BestBidPrice = JsonEncodedText.Encode("best_bid_price");
    private static readonly JsonEncodedText BestAskPrice = JsonEncodedText.Encode("best_ask_price");
    private static readonly JsonEncodedText BestBidAmount = JsonEncodedText.Encode("best_bid_amount");
    private static readonly JsonEncodedText BestAskAmount = JsonEncodedText.Encode("best_ask_amount");
    private static readonly JsonEncodedText InterestRate = JsonEncodedText.Encode("interest_rate");
    private static readonly JsonEncodedText MarkIv = JsonEncodedText.Encode("mark_iv");
    private static readonly JsonEncodedText BidIv = JsonEncodedText.Encode("bid_iv");
    private static readonly JsonEncodedText AskIv = JsonEncodedText.Encode("ask_iv");
    private static readonly JsonEncodedText UnderlyingPrice = JsonEncodedText.Encode("underlying_price");
    private static readonly JsonEncodedText UnderlyingIndex = JsonEncodedText.Encode("underlying_index");
    private static readonly JsonEncodedText EstimatedDeliveryPrice = JsonEncodedText.Encode("estimated_delivery_price");
    private static readonly JsonEncodedText CurrentFunding = JsonEncodedText.Encode("current_funding");
    private static readonly JsonEncodedText Funding8h = JsonEncodedText.Encode("funding_8h");
    private static readonly JsonEncodedText InterestValue = JsonEncodedText.Encode("interest_value");
    private static readonly JsonEncodedText DeliveryPrice = JsonEncodedText.Encode("delivery_price");
    private static readonly JsonEncodedText ExpiredText = JsonEncodedText.Encode("expired");

    /// <summary>The whole notification: <c>{"jsonrpc":"2.0","method":"subscription","params":{"channel":…,"data":{…}}}</c>.</summary>
    public static void WriteNotification(Utf8JsonWriter writer, JsonEncodedText channel, TickerState ticker)
    {
        writer.WriteStartObject();
        writer.WriteString(JsonRpc, Version);
        writer.WriteString(Method, Subscription);
        writer.WriteStartObject(Params);
        writer.WriteString(Channel, channel);
        writer.WritePropertyName(Data);
        WriteData(writer, ticker);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>The <c>data</c> object, field set by kind: options add ivs, greeks, underlying; perpetuals add funding.</summary>
    public static void WriteData(Utf8JsonWriter writer, TickerState t)
    {
        var instrument = t.Instrument;
        var option = instrument.Kind == InstrumentKind.Option;
        writer.WriteStartObject();
        writer.WriteNumber(Timestamp, t.LastTimestamp);
        writer.WriteString(State, t.State);
        writer.WriteStartObject(Stats);
        if (!option)
        {
            writer.WriteNumber(VolumeUsd, Math.Round(t.Volume * (instrument.IsLinear ? t.MarkPrice : instrument.ContractSize), 0));
        }

        writer.WriteNumber(Volume, t.Volume);
        WriteNullable(writer, PriceChange, t.HasTrades, t.PriceChange);
        WriteNullable(writer, Low, t.HasTrades, t.Low);
        WriteNullable(writer, High, t.HasTrades, t.High);
        writer.WriteEndObject();
        if (option)
        {
            writer.WriteStartObject(Greeks);
            writer.WriteNumber(Delta, t.Delta);
            writer.WriteNumber(Gamma, t.Gamma);
            writer.WriteNumber(Vega, t.Vega);
            writer.WriteNumber(Theta, t.Theta);
            writer.WriteNumber(Rho, t.Rho);
            writer.WriteEndObject();
        }

        writer.WriteNumber(IndexPrice, t.IndexPrice);
        writer.WriteString(InstrumentName, t.NameJson);
        WriteNullable(writer, LastPrice, t.HasTrades, t.LastPrice);
        writer.WriteNumber(SettlementPrice, t.SettlementPrice);
        writer.WriteNumber(MinPrice, t.MinPrice);
        writer.WriteNumber(MaxPrice, t.MaxPrice);
        writer.WriteNumber(OpenInterest, t.OpenInterest);
        writer.WriteNumber(MarkPrice, t.MarkPrice);
        writer.WriteNumber(BestBidPrice, t.BestBidPrice);
        writer.WriteNumber(BestAskPrice, t.BestAskPrice);
        if (option)
        {
            writer.WriteNumber(InterestRate, 0);
            writer.WriteNumber(MarkIv, t.MarkIv);
            writer.WriteNumber(BidIv, t.BidIv);
            writer.WriteNumber(AskIv, t.AskIv);
            writer.WriteNumber(UnderlyingPrice, t.UnderlyingPrice);
            writer.WriteString(UnderlyingIndex, t.UnderlyingIndexJson);
        }
        else if (instrument.IsPerpetual)
        {
            writer.WriteNumber(CurrentFunding, t.CurrentFunding);
            writer.WriteNumber(Funding8h, t.Funding8h);
            writer.WriteNumber(InterestValue, t.InterestValue);
        }

        if (t.Delivered)
        {
            // What the exchange sends once an instrument has expired: a string where a number usually is.
            writer.WriteString(EstimatedDeliveryPrice, ExpiredText);
            writer.WriteNumber(DeliveryPrice, t.DeliveryPrice);
        }
        else
        {
            writer.WriteNumber(EstimatedDeliveryPrice, t.IndexPrice);
        }

        writer.WriteNumber(BestAskAmount, t.BestAskAmount);
        writer.WriteNumber(BestBidAmount, t.BestBidAmount);
        writer.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter writer, JsonEncodedText name, bool present, double value)
    {
        if (present) writer.WriteNumber(name, value);
        else writer.WriteNull(name);
    }
}
