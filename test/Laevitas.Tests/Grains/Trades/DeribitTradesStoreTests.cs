using System.Text;
using System.Text.Json.Nodes;
using Laevitas.Grains.Abstractions.History;
using Laevitas.Grains.Abstractions.Trades;
using Laevitas.Grains.Storage;
using Laevitas.Grains.Trades;
using Laevitas.Tests.Infrastructure;
using Laevitas.Tests.Recordings;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Laevitas.Tests.Grains.Trades;

/// <summary>
/// Real recorded trades (Fixtures/deribit: inverse perpetual prints incl. liquidations, an option-combo trade with
/// legs) parsed by the writer's trade parser, stored in <c>deribit_trades</c> (a real PostgreSQL) and read back:
/// every field of every trade rebuilt from its row; a trade stored twice is one row, in its day's partition.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DeribitTradesStoreTests(PostgresFixture postgres)
{
    [Fact]
    public async Task EveryRecordedTradeIsStoredOnceAndRebuiltFieldByField()
    {
        var recorded = TradeRebuilder.RecordedTrades();
        // 2 + 1 + 1 (tardis-node), 2 + 1 (nautilus_trader): a fixture gone missing must not pass unnoticed.
        Assert.Equal(7, recorded.Count);
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("trades_recorded"));
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).ApplyAsync();
        await using var store = new DeribitTradesStore(dataSource, new DailyPartitions());
        var receivedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var rows = recorded.Select(t => Parse(t.Trade, receivedAt)).ToArray();

        Assert.Equal(7, await store.InsertAsync(rows));
        // A replay of the same trades stores nothing new.
        Assert.Equal(0, await store.InsertAsync(rows));

        var reader = new TradeHistoryReader(dataSource);
        foreach (var (recording, text) in recorded)
        {
            var original = JsonNode.Parse(text)!.AsObject();
            var name = original["instrument_name"]!.GetValue<string>();
            var timestamp = original["timestamp"]!.GetValue<long>();
            var history = await reader.ReadAsync(new PriceHistoryQuery { InstrumentName = name, FromMs = timestamp, ToMs = timestamp + 1, Limit = 100 });
            var row = Assert.Single(history.Trades, t => t.TradeId == original["trade_id"]!.GetValue<string>());
            JsonEquivalence.AssertEquivalent(original, TradeRebuilder.Rebuild(row), $"{recording} trade {row.TradeId}");
            Assert.Equal(receivedAt, row.ReceivedAt!.Value.ToUnixTimeMilliseconds());
        }

        await using var count = dataSource.CreateCommand("SELECT count(*), count(DISTINCT (currency, trade_id)) FROM deribit_trades");
        await using (var result = await count.ExecuteReaderAsync())
        {
            Assert.True(await result.ReadAsync());
            Assert.Equal((7L, 7L), (result.GetInt64(0), result.GetInt64(1)));
        }

        // Columns the issue names, from the recorded values themselves.
        var liquidation = await reader.ReadAsync(new PriceHistoryQuery { InstrumentName = "BTC-PERPETUAL", FromMs = 1584058044032, ToMs = 1584058044033, Limit = 10 });
        Assert.Equal(("66460463", "T", "sell", 3, 4805.41, "BTC", "perpetual"),
            (liquidation.Trades[0].TradeId, liquidation.Trades[0].Liquidation, liquidation.Trades[0].Direction, liquidation.Trades[0].TickDirection,
             liquidation.Trades[0].IndexPrice, liquidation.Trades[0].Currency, liquidation.Trades[0].Kind));
        var combo = await reader.ReadAsync(new PriceHistoryQuery { InstrumentName = "BTC-CS-19MAY26-70000_75000", FromMs = 1779118041756, ToMs = 1779118041757, Limit = 10 });
        var comboTrade = Assert.Single(combo.Trades);
        Assert.Equal("option_combo", comboTrade.Kind);
        Assert.Equal(2, JsonNode.Parse(comboTrade.Extra!)!["legs"]!.AsArray().Count);
    }

    [Fact]
    public async Task APageNeverEndsInsideAMillisecond()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("trades_paging"));
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).ApplyAsync();
        await using var store = new DeribitTradesStore(dataSource, new DailyPartitions());
        // The 2025 recording holds two trades in one millisecond; add a third trade a millisecond later.
        var rows = TradeRebuilder.RecordedTrades().Where(t => t.Recording.Channel == "trades.BTC-PERPETUAL.100ms")
            .Select(t => Parse(t.Trade, 0)).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(rows[0].Timestamp, rows[1].Timestamp);
        var later = rows[1];
        later.TradeId = "403691826";
        later.TradeSeq = 271252856;
        later.Timestamp++;
        rows.Add(later);
        Assert.Equal(3, await store.InsertAsync(rows.ToArray()));

        var reader = new TradeHistoryReader(dataSource);
        var first = rows[0].Timestamp;
        var page = await reader.ReadAsync(new PriceHistoryQuery { InstrumentName = "BTC-PERPETUAL", FromMs = first, ToMs = first + 10, Limit = 1 });
        // Limit 1 would split the millisecond of the first two: that millisecond comes whole (the one case a page
        // exceeds its limit), and the next page starts after it.
        Assert.Equal(["403691824", "403691825"], page.Trades.Select(t => t.TradeId));
        Assert.True(page.Truncated);
        Assert.Equal(first + 1, page.NextFrom!.Value.ToUnixTimeMilliseconds());

        // Limit 2 fits the millisecond exactly and stops there.
        page = await reader.ReadAsync(new PriceHistoryQuery { InstrumentName = "BTC-PERPETUAL", FromMs = first, ToMs = first + 10, Limit = 2 });
        Assert.Equal(["403691824", "403691825"], page.Trades.Select(t => t.TradeId));
        Assert.Equal(first + 1, page.NextFrom!.Value.ToUnixTimeMilliseconds());
        page = await reader.ReadAsync(new PriceHistoryQuery { InstrumentName = "BTC-PERPETUAL", FromMs = first + 1, ToMs = first + 10, Limit = 2 });
        Assert.Equal(["403691826"], page.Trades.Select(t => t.TradeId));
        Assert.False(page.Truncated);

        // A page that would end inside a millisecond ends before it: insert a trade before the pair, ask for 2.
        var earlier = rows[0];
        earlier.TradeId = "403691823";
        earlier.TradeSeq = 271252853;
        earlier.Timestamp--;
        Assert.Equal(1, await store.InsertAsync(new[] { earlier }));
        page = await reader.ReadAsync(new PriceHistoryQuery { InstrumentName = "BTC-PERPETUAL", FromMs = first - 1, ToMs = first + 10, Limit = 2 });
        Assert.Equal(["403691823"], page.Trades.Select(t => t.TradeId));
        Assert.Equal(first, page.NextFrom!.Value.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task ATradeWrittenTwiceIsStoredOnceInThePartitionOfItsDay()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("trades_twice"));
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).ApplyAsync();
        var trade = Parse(TradeRebuilder.RecordedTrades().First(t => t.Recording.Channel == "trades.BTC-PERPETUAL.100ms").Trade, 1_000);
        await using (var first = new DeribitTradesStore(dataSource, new DailyPartitions()))
        {
            Assert.Equal(1, await first.InsertAsync(new[] { trade }));
        }

        // Again from another silo's writer (its own partition cache), received later: twice in one batch, then alone.
        var again = trade;
        again.ReceivedAt = again.ReceivedAt!.Value.AddSeconds(5);
        await using (var second = new DeribitTradesStore(dataSource, new DailyPartitions()))
        {
            Assert.Equal(0, await second.InsertAsync(new[] { again, again }));
            Assert.Equal(0, await second.InsertAsync(new[] { again }));
        }

        await using var stored = dataSource.CreateCommand(
            "SELECT tableoid::regclass::text, trade_id, \"timestamp\", price, received_at FROM deribit_trades");
        await using var reader = await stored.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var day = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(trade.Timestamp).UtcDateTime);
        // The row of the first write, in the partition of the trade's UTC day.
        Assert.Equal(($"deribit_trades_{day:yyyyMMdd}", trade.TradeId, trade.Timestamp, trade.Price, trade.ReceivedAt),
            (reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetFieldValue<double?>(3), reader.GetFieldValue<DateTime?>(4)));
        Assert.False(await reader.ReadAsync());
    }

    private static DeribitTradeRow Parse(string json, long receivedAt)
    {
        var row = default(DeribitTradeRow);
        Assert.True(TradePayloadParser.TryParse(Encoding.UTF8.GetBytes(json), receivedAt, ref row, out var error), error);
        return row;
    }
}
