using System.Text.Json;
using Laevitas.Grains.Abstractions.Instruments;

namespace Laevitas.Feed;

/// <summary>Reads the <c>result</c> array of <c>public/get_instruments</c> (discovery only, not a hot path).</summary>
internal static class InstrumentListParser
{
    /// <summary>Instruments with a name and kind; entries missing either are skipped and counted.</summary>
    public static List<InstrumentInfo> Parse(ReadOnlySpan<byte> result, out int skipped)
    {
        skipped = 0;
        var reader = new Utf8JsonReader(result);
        using var document = JsonDocument.ParseValue(ref reader);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("get_instruments result is not an array");
        }

        var instruments = new List<InstrumentInfo>(document.RootElement.GetArrayLength());
        foreach (var item in document.RootElement.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || String(item, "instrument_name") is not { Length: > 0 } name || String(item, "kind") is not { } kind)
            {
                skipped++;
                continue;
            }

            instruments.Add(new InstrumentInfo
            {
                InstrumentName = name,
                Kind = kind,
                BaseCurrency = String(item, "base_currency"),
                QuoteCurrency = String(item, "quote_currency"),
                SettlementCurrency = String(item, "settlement_currency"),
                OptionType = String(item, "option_type"),
                Strike = Decimal(item, "strike"),
                ExpirationTimestamp = Int64(item, "expiration_timestamp"),
                CreationTimestamp = Int64(item, "creation_timestamp"),
                TickSize = Decimal(item, "tick_size"),
                ContractSize = Decimal(item, "contract_size"),
                MinTradeAmount = Decimal(item, "min_trade_amount"),
                IsActive = !item.TryGetProperty("is_active", out var active) || active.ValueKind != JsonValueKind.False,
                SettlementPeriod = String(item, "settlement_period"),
                InstrumentId = Int64(item, "instrument_id"),
                InstrumentType = String(item, "instrument_type"),
                PriceIndex = String(item, "price_index"),
            });
        }

        return instruments;
    }

    private static string? String(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static decimal? Decimal(JsonElement item, string name)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Number)
        {
            return null;
        }

        if (value.TryGetDecimal(out var d))
        {
            return d;
        }

        return value.TryGetDouble(out var x) && double.IsFinite(x) && Math.Abs(x) < (double)decimal.MaxValue ? (decimal)x : null;
    }

    private static long? Int64(JsonElement item, string name)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Number)
        {
            return null;
        }

        if (value.TryGetInt64(out var l))
        {
            return l;
        }

        return value.TryGetDouble(out var x) && double.IsFinite(x) ? (long)x : null;
    }
}
