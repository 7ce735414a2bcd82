using System.Text.Json.Nodes;

namespace Laevitas.Grains.Abstractions.History;

/// <summary>
/// Rebuilds the ticker <c>data</c> object the exchange sent from a stored row alone (invariant 10): the fields its
/// <c>fields_present</c> names, from their columns, merged with <c>extra</c> (the fields with no column). Used by the
/// tests that reconcile stored rows with recorded and generated tickers, value by value.
/// </summary>
public static class TickerRebuilder
{
    /// <exception cref="InvalidDataException">
    /// The row cannot stand for a tick: it has no <c>fields_present</c> (written before that column existed), or a field
    /// is both in a column and in <c>extra</c>.
    /// </exception>
    public static JsonObject Rebuild(PriceRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.FieldsPresent is not { } mask)
        {
            throw new InvalidDataException($"{row.InstrumentName}@{row.Timestamp} has no fields_present");
        }

        var message = new JsonObject();
        foreach (var field in TickerFields.All)
        {
            if (!TickerFields.IsPresent(mask, field))
            {
                continue;
            }

            if (field is TickerField.Greeks or TickerField.Stats)
            {
                message[TickerFields.JsonName(field)] ??= new JsonObject();
                continue;
            }

            var value = ValueOf(row, field);
            if (TickerFields.ParentOf(field) is { } parent)
            {
                var parentName = TickerFields.JsonName(parent);
                var nested = (JsonObject)(message[parentName] ??= new JsonObject());
                nested[TickerFields.JsonName(field)] = value;
            }
            else
            {
                message[TickerFields.JsonName(field)] = value;
            }
        }

        if (row.Extra is { } extra)
        {
            foreach (var (name, value) in JsonNode.Parse(extra)!.AsObject().ToList())
            {
                if (value is JsonObject extraNested && message[name] is JsonObject nested)
                {
                    foreach (var (childName, child) in extraNested.ToList())
                    {
                        nested[childName] = child?.DeepClone();
                    }
                }
                else if (message.ContainsKey(name))
                {
                    throw new InvalidDataException($"{row.InstrumentName}@{row.Timestamp}: {name} is both in a column and in extra");
                }
                else
                {
                    message[name] = value?.DeepClone();
                }
            }
        }

        return message;
    }

    private static JsonNode? ValueOf(PriceRow r, TickerField field) => field switch
    {
        TickerField.InstrumentName => r.InstrumentName,
        TickerField.Timestamp => r.Timestamp,
        TickerField.State => r.State,
        TickerField.UnderlyingIndex => r.UnderlyingIndex,
        TickerField.ComboState => r.ComboState,
        TickerField.UnderlyingPrice => r.UnderlyingPrice,
        TickerField.IndexPrice => r.IndexPrice,
        TickerField.EstimatedDeliveryPrice => r.EstimatedDeliveryPrice,
        TickerField.SettlementPrice => r.SettlementPrice,
        TickerField.OpenInterest => r.OpenInterest,
        TickerField.MinPrice => r.MinPrice,
        TickerField.MaxPrice => r.MaxPrice,
        TickerField.MarkPrice => r.MarkPrice,
        TickerField.MarkIv => r.MarkIv,
        TickerField.LastPrice => r.LastPrice,
        TickerField.InterestRate => r.InterestRate,
        TickerField.BidIv => r.BidIv,
        TickerField.AskIv => r.AskIv,
        TickerField.BestBidPrice => r.BestBidPrice,
        TickerField.BestBidAmount => r.BestBidAmount,
        TickerField.BestAskPrice => r.BestAskPrice,
        TickerField.BestAskAmount => r.BestAskAmount,
        TickerField.Delta => r.Delta,
        TickerField.Gamma => r.Gamma,
        TickerField.Vega => r.Vega,
        TickerField.Theta => r.Theta,
        TickerField.Rho => r.Rho,
        TickerField.StatsVolume => r.StatsVolume,
        TickerField.StatsPriceChange => r.StatsPriceChange,
        TickerField.StatsLow => r.StatsLow,
        TickerField.StatsHigh => r.StatsHigh,
        TickerField.DeliveryPrice => r.DeliveryPrice,
        TickerField.Funding8h => r.Funding8h,
        TickerField.CurrentFunding => r.CurrentFunding,
        TickerField.InterestValue => r.InterestValue,
        TickerField.StatsVolumeUsd => r.StatsVolumeUsd,
        TickerField.StatsVolumeNotional => r.StatsVolumeNotional,
        TickerField.ImpliedBid => r.ImpliedBid,
        TickerField.ImpliedAsk => r.ImpliedAsk,
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, "a field the rebuilder does not know: add it"),
    };
}
