using System.Globalization;
using System.Text.Json;

namespace Laevitas.Feed.Settlements;

/// <summary>
/// Reads the <c>result</c> of <c>public/get_delivery_prices</c>: <c>{"data":[{"date":"yyyy-MM-dd","delivery_price":n},…],
/// "records_total":n}</c>. Fields the exchange may add are ignored; a missing or mistyped known field throws
/// <see cref="JsonException"/>, since a half-read page would store a wrong history.
/// </summary>
public static class DeliveryPricesParser
{
    public static DeliveryPricePage Parse(ReadOnlySpan<byte> result)
    {
        var reader = new Utf8JsonReader(result);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"get_delivery_prices result is a {root.ValueKind}, not an object.");
        }

        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("get_delivery_prices result has no data array.");
        }

        if (!root.TryGetProperty("records_total", out var total) || total.ValueKind != JsonValueKind.Number)
        {
            throw new JsonException("get_delivery_prices result has no records_total number.");
        }

        var prices = new List<DeliveryPrice>(data.GetArrayLength());
        foreach (var entry in data.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object
                || !entry.TryGetProperty("date", out var date) || date.ValueKind != JsonValueKind.String
                || !DateOnly.TryParseExact(date.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                throw new JsonException($"get_delivery_prices entry without a yyyy-MM-dd date: {entry.GetRawText()}");
            }

            if (!entry.TryGetProperty("delivery_price", out var price) || price.ValueKind != JsonValueKind.Number
                || !double.IsFinite(price.GetDouble()))
            {
                throw new JsonException($"get_delivery_prices entry without a delivery_price number: {entry.GetRawText()}");
            }

            prices.Add(new DeliveryPrice(day, price.GetDouble()));
        }

        // records_total is a JSON number the docs type as "number"; read it as a double so 58.0 parses too.
        return new DeliveryPricePage(prices, (long)total.GetDouble());
    }
}
