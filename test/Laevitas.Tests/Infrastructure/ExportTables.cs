using System.Globalization;
using System.Text;
using Laevitas.Grains.Abstractions.Settlements;
using Laevitas.Grains.Settlements;
using Laevitas.Grains.Storage;
using Laevitas.Grains.Trades;
using Laevitas.Grains.Writing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Laevitas.Tests.Infrastructure;

/// <summary>
/// A migrated database holding prices and trades on two UTC days, written through the writer's stores, with values
/// that test an export: nulls next to values, a text with a comma, quotes and a line break, JSON, an empty string,
/// doubles that need all 17 digits, dates and microsecond timestamps.
/// </summary>
internal static class ExportTables
{
    public static readonly DateOnly Day = new(2026, 11, 30);

    public static long DayStartMs(DateOnly day) => new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();

    public static async Task<NpgsqlDataSource> CreateAsync(PostgresFixture postgres, string database)
    {
        var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(database));
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).ApplyAsync();
        await SeedAsync(dataSource);
        return dataSource;
    }

    /// <summary>Writes the rows into an already migrated database (replays of them store nothing new).</summary>
    public static async Task SeedAsync(NpgsqlDataSource dataSource)
    {
        await using (var prices = new DeribitPricesStore(dataSource, new DailyPartitions()))
        {
            await prices.InsertAsync(Prices());
        }

        await using (var trades = new DeribitTradesStore(dataSource, new DailyPartitions()))
        {
            await trades.InsertAsync(Trades());
        }

        // Settled at 08:00 UTC: the day before, the day and the day after, and another index on the day. Indexes the
        // simulator does not have: the API silo's database is seeded too, and its backfill owns the simulator's.
        var settlements = new DeliveryPricesStore(dataSource);
        await settlements.UpsertAsync("ada_usd", [.. new[] { -1, 0, 1 }.Select(d => new SettlementRow { IndexName = "ada_usd", Date = Day.AddDays(d), DeliveryPrice = 95_000.123456789 + d })]);
        await settlements.UpsertAsync("dot_usd", [new SettlementRow { IndexName = "dot_usd", Date = Day, DeliveryPrice = 0.1 + 0.2 }]);
    }

    /// <summary>Seven rows on <see cref="Day"/> (three instruments), one just before it and one on the next day.</summary>
    private static DeribitPriceRow[] Prices()
    {
        var start = DayStartMs(Day);
        var rows = new List<DeribitPriceRow>();
        for (var i = 0; i < 7; i++)
        {
            rows.Add(new DeribitPriceRow
            {
                InstrumentName = (i % 3) switch { 0 => "BTC-PERPETUAL", 1 => "BTC-27DEC26-100000-C", _ => "ETH-27DEC26" },
                Timestamp = start + i * 3_600_000L + 7,
                MarkPrice = 0.1 + 0.2 * i,             // 0.30000000000000004 and friends: the shortest round trip matters
                MarkIv = i % 2 == 0 ? null : 55.5 + i,
                BestBidPrice = i == 3 ? double.NaN : 1e-300 * i,
                Currency = i % 3 == 2 ? "ETH" : "BTC",
                Maturity = i % 3 == 0 ? null : new DateOnly(2026, 12, 27),
                Strike = i % 3 == 1 ? 100_000 : null,
                Type = i % 3 == 1 ? "C" : null,
                Kind = (i % 3) switch { 0 => "perpetual", 1 => "option", _ => "future" },
                State = i == 4 ? "" : "open",
                ComboState = i == 5 ? "odd, \"quoted\"\r\nand two lines" : null,
                ReceivedAt = new DateTime(2026, 11, 30, 0, 0, 0, DateTimeKind.Utc).AddTicks(i * 36_000_000_000L + 123_4560),
                Extra = i == 6 ? Encoding.UTF8.GetBytes("{\"estimated_delivery_price\": \"expired\", \"n\": [1, 2]}") : null,
                FieldsPresent = (1L << 40) + i,
            });
        }

        rows.Add(new DeribitPriceRow { InstrumentName = "BTC-PERPETUAL", Timestamp = start - 1, MarkPrice = -1 });
        rows.Add(new DeribitPriceRow { InstrumentName = "BTC-PERPETUAL", Timestamp = start + 86_400_000, MarkPrice = -2 });
        return rows.ToArray();
    }

    /// <summary>Four trades on <see cref="Day"/>, one on the day after.</summary>
    private static DeribitTradeRow[] Trades()
    {
        var start = DayStartMs(Day);
        return Enumerable.Range(0, 5).Select(i => new DeribitTradeRow
        {
            Currency = "BTC",
            TradeId = $"BTC-{1000 + i}",
            InstrumentName = i % 2 == 0 ? "BTC-PERPETUAL" : "BTC-27DEC26-100000-C",
            Timestamp = i == 4 ? start + 86_400_000 + 5 : start + i * 60_000,
            TradeSeq = 10 + i,
            Kind = i % 2 == 0 ? "perpetual" : "option",
            Price = 95_000.5 + i,
            Amount = 10 * (i + 1),
            Direction = i % 2 == 0 ? "buy" : "sell",
            Iv = i % 2 == 0 ? null : 51.25,
            TickDirection = i % 4,
            Liquidation = i == 2 ? "T" : null,
            BlockTradeLegCount = i == 3 ? 2 : null,
            Extra = i == 3 ? Encoding.UTF8.GetBytes("{\"legs\": [{\"a\": 1}]}") : null,
            FieldsPresent = 255,
            ReceivedAt = new DateTime(2026, 11, 30, 1, 2, 3, DateTimeKind.Utc).AddTicks(4560 * i),
        }).ToArray();
    }

    /// <summary>What an export of <paramref name="table"/> on <see cref="Day"/> must hold (see <see cref="ReadTableAsync"/>).</summary>
    public static Task<(string[] Columns, string[] Types, List<string?[]> Rows)> ReadDayAsync(NpgsqlDataSource dataSource, Laevitas.Export.ExportTable table) =>
        ReadTableAsync(dataSource, table.SqlName, table.OrderBy, DayStartMs(Day), DayStartMs(Day.AddDays(1)), table.TimeMs);

    /// <summary>
    /// Every column of the rows in [from, to), in the export's order, each value in one canonical text (null stays
    /// null): doubles round-trip ("R"), timestamps as UTC ISO-8601 with 7 fractional digits, dates yyyy-MM-dd.
    /// </summary>
    public static async Task<(string[] Columns, string[] Types, List<string?[]> Rows)> ReadTableAsync(NpgsqlDataSource dataSource, string table, string orderBy, long fromMs, long toMs, string timeMs = "\"timestamp\"")
    {
        await using var command = dataSource.CreateCommand($"SELECT * FROM {table} WHERE {timeMs} >= {fromMs} AND {timeMs} < {toMs} ORDER BY {orderBy}");
        await using var reader = await command.ExecuteReaderAsync();
        var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
        var types = Enumerable.Range(0, reader.FieldCount).Select(reader.GetDataTypeName).ToArray();
        var rows = new List<string?[]>();
        while (await reader.ReadAsync())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? null : reader.GetDataTypeName(i) switch
            {
                "date" => Canonical(reader.GetFieldValue<DateOnly>(i)),
                "jsonb" => reader.GetString(i),
                _ => Canonical(reader.GetValue(i)),
            }).ToArray());
        }

        return (columns, types, rows);
    }

    public static string? Canonical(object? value) => value switch
    {
        null => null,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateTime t => new DateTime(t.Ticks, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
