using System.Diagnostics.Metrics;
using System.Text;
using Laevitas.Grains.Storage;
using Laevitas.Grains.Trades;
using Laevitas.Grains.Writing;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Laevitas.Tests.Grains.Retention;

/// <summary>
/// Retention of <c>deribit_trades</c> against a real PostgreSQL: trades written through the trade writer's store for
/// twelve days (which creates their daily partitions) and ticks of two old days, then one pass keeping 3 days drops
/// the old days of both tables, counts them per table, and leaves the trades of the kept days as written; a late trade
/// of a dropped day recreates its partition.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class TradesRetentionTests(PostgresFixture postgres)
{
    private const int KeptDays = 3;

    private static readonly DateOnly Today = RetentionDatabase.Today;
    private static readonly DateTimeOffset Now = RetentionDatabase.Noon;

    [Fact]
    public async Task APassDropsOldDaysOfTradesAndKeepsTheTradesOfRecentDaysAsWritten()
    {
        await using var dataSource = await RetentionDatabase.MigratedAsync(postgres, "retention_trades");
        var written = TradesForDays(Enumerable.Range(-10, 12));
        // The writer's partition cache belongs to another silo: retention's Forget() cannot reach it.
        await using var trades = new DeribitTradesStore(dataSource, new DailyPartitions());
        Assert.Equal(written.Length, await trades.InsertAsync(written));

        await using (var prices = new DeribitPricesStore(dataSource, new DailyPartitions()))
        {
            // Days -8 and -7 of deribit_prices (the writer creates a day's partition and the next one's).
            Assert.Equal(1, await prices.InsertAsync(new[]
            {
                new DeribitPriceRow { InstrumentName = "BTC-PERPETUAL", Timestamp = RetentionDatabase.DayStartMs(Today.AddDays(-8)) + 1, MarkPrice = 1 },
            }));
        }

        var before = await RetentionDatabase.PartitionsAsync(dataSource.ConnectionString, DailyPartitions.Trades);
        // The store made every day's partition, the migration today's and tomorrow's.
        Assert.Equal(Enumerable.Range(-10, 12).Select(Name).ToArray(), before.ToArray());
        using var metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var dropped = new DroppedPartitionsListener(metrics.GetRequiredService<IMeterFactory>());

        var pass = await RetentionDatabase.Retention(dataSource, metrics, KeptDays).RunAsync(Now);

        Assert.True(pass.Ran);
        var expectedDropped = Enumerable.Range(-10, 10 - KeptDays).Select(Name).ToArray();
        Assert.Equal(expectedDropped, pass.Dropped.Where(p => p.Table == DailyPartitions.Trades).Select(p => p.Name).ToArray());
        Assert.Equal(expectedDropped.Length, dropped.Total(DailyPartitions.Trades));
        Assert.Equal(
            [$"deribit_prices_{Today.AddDays(-8):yyyyMMdd}", $"deribit_prices_{Today.AddDays(-7):yyyyMMdd}"],
            pass.Dropped.Where(p => p.Table == DailyPartitions.Prices).Select(p => p.Name).ToArray());
        Assert.Equal(2, dropped.Total(DailyPartitions.Prices));

        Assert.Equal(Enumerable.Range(-KeptDays, KeptDays + 2).Select(Name).ToArray(),
            (await RetentionDatabase.PartitionsAsync(dataSource.ConnectionString, DailyPartitions.Trades)).ToArray());
        var kept = written.Where(row => row.Timestamp >= RetentionDatabase.DayStartMs(Today.AddDays(-KeptDays))).ToArray();
        Assert.Equal((KeptDays + 2) * 2, kept.Length);
        Assert.Equal(kept.Select(Values).ToArray(), await StoredAsync(dataSource));

        // A late trade of a dropped day: the first attempt meets "no partition for the row" and clears the writer's
        // cache, as the trade writer grain's retry expects; the retry recreates the day and stores it.
        var late = TradesForDays([-6])[..1];
        late[0].TradeId = "late";
        await Assert.ThrowsAsync<PostgresException>(() => trades.InsertAsync(late));
        Assert.Equal(1, await trades.InsertAsync(late));
        Assert.Contains(Name(-6), await RetentionDatabase.PartitionsAsync(dataSource.ConnectionString, DailyPartitions.Trades));
    }

    private static string Name(int offset) => $"deribit_trades_{Today.AddDays(offset):yyyyMMdd}";

    /// <summary>
    /// Two trades per day offset from today, at 06:00:00.123 and 23:59:59.999 UTC (the day's last millisecond, which
    /// must stay in its day's partition), with values that tell the days apart.
    /// </summary>
    private static DeribitTradeRow[] TradesForDays(IEnumerable<int> offsets) =>
        offsets.SelectMany(offset => new[] { 6 * 3_600_000L + 123, 86_400_000L - 1 }.Select((timeOfDay, index) => new DeribitTradeRow
        {
            Currency = "BTC",
            TradeId = $"{400_000_000 + offset * 10 + index}",
            InstrumentName = "BTC-PERPETUAL",
            Timestamp = RetentionDatabase.DayStartMs(Today.AddDays(offset)) + timeOfDay,
            TradeSeq = 270_000_000 + offset * 10 + index,
            Kind = "perpetual",
            Price = 60_000.5 + offset,
            Amount = 10 + index,
            Direction = index == 0 ? "buy" : "sell",
            IndexPrice = 59_990.25 + offset,
            TickDirection = index,
            Extra = index == 0 ? null : Encoding.UTF8.GetBytes($"{{\"day\": {offset}}}"),
            FieldsPresent = 0x7F,
        })).ToArray();

    private static (string, string, long, long?, double?, double?, string?, double?, int?, string?, long) Values(DeribitTradeRow row) =>
        (row.TradeId, row.InstrumentName, row.Timestamp, row.TradeSeq, row.Price, row.Amount, row.Direction, row.IndexPrice,
         row.TickDirection, row.Extra is null ? null : Encoding.UTF8.GetString(row.Extra).Replace(" ", "", StringComparison.Ordinal), row.FieldsPresent);

    private static async Task<List<(string, string, long, long?, double?, double?, string?, double?, int?, string?, long)>> StoredAsync(NpgsqlDataSource dataSource)
    {
        var rows = new List<(string, string, long, long?, double?, double?, string?, double?, int?, string?, long)>();
        // extra as compact text (jsonb prints "{"day": -3}"): compared without spaces.
        await using var command = dataSource.CreateCommand(
            "SELECT trade_id, instrument_name, \"timestamp\", trade_seq, price, amount, direction, index_price, tick_direction, " +
            "replace(extra::text, ' ', ''), fields_present FROM deribit_trades ORDER BY \"timestamp\"");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetFieldValue<long?>(3),
                reader.GetFieldValue<double?>(4), reader.GetFieldValue<double?>(5), reader.GetFieldValue<string?>(6),
                reader.GetFieldValue<double?>(7), reader.GetFieldValue<int?>(8), reader.IsDBNull(9) ? null : reader.GetString(9), reader.GetInt64(10)));
        }

        return rows;
    }
}
