using System.Text.Json;
using System.Text.Json.Nodes;
using Laevitas.Grains.Abstractions.Trades;

namespace Laevitas.Tests.Recordings;

/// <summary>Rebuilds a trade object as the exchange sent it from a stored <c>deribit_trades</c> row alone.</summary>
public static class TradeRebuilder
{
    public static JsonObject Rebuild(TradeRow row)
    {
        var trade = new JsonObject();
        foreach (var field in TradeFields.All)
        {
            if (TradeFields.IsPresent(row.FieldsPresent, field))
            {
                trade[TradeFields.JsonName(field)] = ValueOf(row, field);
            }
        }

        if (row.Extra is { } extra)
        {
            foreach (var (name, value) in JsonNode.Parse(extra)!.AsObject().ToList())
            {
                Assert.False(trade.ContainsKey(name), $"{name} is both in a column and in extra");
                trade[name] = value?.DeepClone();
            }
        }

        return trade;
    }

    /// <summary>Every trade of the recorded <c>trades.*</c> notifications, as its raw JSON text.</summary>
    public static IReadOnlyList<(RecordedNotification Recording, string Trade)> RecordedTrades()
    {
        var trades = new List<(RecordedNotification, string)>();
        foreach (var recording in DeribitRecordings.Trades())
        {
            using var document = JsonDocument.Parse(recording.Data);
            foreach (var trade in document.RootElement.EnumerateArray())
            {
                trades.Add((recording, trade.GetRawText()));
            }
        }

        return trades;
    }

    private static JsonNode? ValueOf(TradeRow r, TradeField field) => field switch
    {
        TradeField.TradeId => r.TradeId,
        TradeField.TradeSeq => r.TradeSeq,
        TradeField.Timestamp => r.Timestamp,
        TradeField.InstrumentName => r.InstrumentName,
        TradeField.Price => r.Price,
        TradeField.Amount => r.Amount,
        TradeField.Contracts => r.Contracts,
        TradeField.Direction => r.Direction,
        TradeField.Iv => r.Iv,
        TradeField.IndexPrice => r.IndexPrice,
        TradeField.MarkPrice => r.MarkPrice,
        TradeField.TickDirection => r.TickDirection,
        TradeField.Liquidation => r.Liquidation,
        TradeField.BlockTradeId => r.BlockTradeId,
        TradeField.BlockTradeLegCount => r.BlockTradeLegCount,
        TradeField.ComboId => r.ComboId,
        TradeField.ComboTradeId => r.ComboTradeId,
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, "a field the rebuilder does not know: add it"),
    };
}
