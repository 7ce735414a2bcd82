using System.Text.Json;
using Laevitas.DeribitSimulator.Universe;

namespace Laevitas.DeribitSimulator.Protocol;

/// <summary>Writes <c>get_instruments</c> entries with the fields the exchange returns for each kind.</summary>
internal static class InstrumentWriter
{
    public static void WriteList(Utf8JsonWriter writer, IEnumerable<SimInstrument> instruments, bool isActive)
    {
        writer.WriteStartArray();
        foreach (var instrument in instruments) Write(writer, instrument, isActive);
        writer.WriteEndArray();
    }

    public static void Write(Utf8JsonWriter writer, SimInstrument i, bool isActive)
    {
        writer.WriteStartObject();
        writer.WriteNumber("tick_size", i.TickSize);
        writer.WriteStartArray("tick_size_steps");
        foreach (var step in i.TickSizeSteps)
        {
            writer.WriteStartObject();
            writer.WriteNumber("above_price", step.AbovePrice);
            writer.WriteNumber("tick_size", step.TickSize);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteNumber("taker_commission", i.TakerCommission);
        if (i.Strike is { } strike) writer.WriteNumber("strike", strike);
        writer.WriteString("settlement_period", i.SettlementPeriod);
        writer.WriteString("settlement_currency", i.SettlementCurrency);
        writer.WriteBoolean("rfq", false);
        writer.WriteString("quote_currency", i.QuoteCurrency);
        writer.WriteString("price_index", i.PriceIndex);
        if (i.OptionType is { } optionType) writer.WriteString("option_type", optionType);
        writer.WriteNumber("min_trade_amount", i.MinTradeAmount);
        if (i.MaxLiquidationCommission is { } liquidation) writer.WriteNumber("max_liquidation_commission", liquidation);
        if (i.MaxLeverage is { } leverage) writer.WriteNumber("max_leverage", leverage);
        writer.WriteNumber("maker_commission", i.MakerCommission);
        writer.WriteString("kind", i.KindName);
        writer.WriteBoolean("is_active", isActive);
        writer.WriteString("instrument_type", i.InstrumentType);
        writer.WriteString("instrument_name", i.InstrumentName);
        writer.WriteNumber("instrument_id", i.InstrumentId);
        if (i.FutureType is { } futureType) writer.WriteString("future_type", futureType);
        writer.WriteNumber("expiration_timestamp", i.ExpirationTimestamp);
        writer.WriteNumber("creation_timestamp", i.CreationTimestamp);
        writer.WriteString("counter_currency", i.CounterCurrency);
        writer.WriteNumber("contract_size", i.ContractSize);
        writer.WriteNumber("block_trade_tick_size", i.BlockTradeTickSize);
        writer.WriteNumber("block_trade_min_trade_amount", i.BlockTradeMinTradeAmount);
        writer.WriteNumber("block_trade_commission", i.BlockTradeCommission);
        writer.WriteString("base_currency", i.BaseCurrency);
        writer.WriteEndObject();
    }
}
