using System.Text;
using Laevitas.Grains.Storage;
using Laevitas.Grains.Trades;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Laevitas.Tests.Grains.Storage;

/// <summary>
/// The migration of a <c>deribit_trades</c> an earlier build created (one plain table keyed by (currency, trade_id))
/// into the daily-partitioned table, against a real PostgreSQL: every row comes through with every value as it was
/// (compared column by column, <c>createdAt</c> included), the key and index are the partitioned table's, and a
/// second run changes nothing.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class TradesPartitioningMigrationTests(PostgresFixture postgres)
{
    // Rows over three UTC days, one of them in 2020, one on a day's last millisecond; nulls, jsonb and both
    // timestamptz columns set, so that a value lost or moved between columns shows.
    private const string OldRows = """
        INSERT INTO deribit_trades (currency, trade_id, instrument_name, "timestamp", trade_seq, kind, price, amount, contracts,
            direction, iv, index_price, mark_price, tick_direction, liquidation, block_trade_id, block_trade_leg_count, combo_id,
            combo_trade_id, extra, fields_present, received_at, "createdAt")
        VALUES
            ('BTC', '66460463', 'BTC-PERPETUAL', 1584058044032, 46283912, 'perpetual', 4807.5, 1230, 123, 'sell', NULL, 4805.41,
             4807.97, 3, 'T', NULL, NULL, NULL, NULL, NULL, 4095, '2020-03-13 00:07:24.1+00', '2020-03-13 00:07:25.2+00'),
            ('BTC', '403691824', 'BTC-PERPETUAL', 1764979199999, 271252854, 'perpetual', 89123.5, 10, 1, 'buy', NULL, 89120.12,
             89121.03, 0, NULL, NULL, NULL, NULL, NULL, NULL, 2047, '2025-12-05 23:59:59.998+00', '2025-12-06 00:00:00.5+00'),
            ('BTC', '403691825', 'BTC-PERPETUAL', 1764979200000, 271252855, 'perpetual', 89124, 20, 2, 'sell', NULL, 89120.12,
             89121.03, 1, NULL, NULL, NULL, NULL, NULL, NULL, 2047, NULL, '2025-12-06 00:00:00.5+00'),
            ('BTC', '403691900', 'BTC-CS-19MAY26-70000_75000', 1764979201234, 5, 'option_combo', 0.0125, 3, NULL, 'buy', 48.7,
             89120.12, 0.0124, 2, NULL, 'BLOCK_1', 2, 'BTC-CS-19MAY26-70000_75000', 'BTC-CS-1', '{"legs": [{"ratio": 1}, {"ratio": -1}]}',
             1048575, '2025-12-06 00:00:01.3+00', '2025-12-06 00:00:01.4+00'),
            ('USDC', '403691824', 'BTC_USDC-PERPETUAL', 1764979200000, 9, 'perpetual', 89125.25, 0.0001, NULL, 'buy', NULL, NULL,
             NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1, NULL, '2025-12-06 00:00:00.7+00')
        """;

    // Every column of every row, by name, as jsonb text (float8 prints its shortest exact form).
    private const string Snapshot = "SELECT to_jsonb(t)::text FROM deribit_trades t ORDER BY currency, trade_id";

    [Fact]
    public async Task AnUnpartitionedTableIsConvertedWithEveryRowAndValueAndASecondRunIsANoOp()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("trades_partitioning"));
        await ExecuteAsync(dataSource, await EarlierBuildScriptAsync());
        Assert.Equal(5, await ExecuteAsync(dataSource, OldRows));
        Assert.Equal("r", await ScalarAsync<string>(dataSource, "SELECT relkind::text FROM pg_class WHERE oid = 'deribit_trades'::regclass"));
        var before = await ListAsync(dataSource, Snapshot);

        await MigrateAsync(dataSource);

        Assert.Equal("p", await ScalarAsync<string>(dataSource, "SELECT relkind::text FROM pg_class WHERE oid = 'deribit_trades'::regclass"));
        Assert.Equal("PRIMARY KEY (currency, trade_id, \"timestamp\")",
            await ScalarAsync<string>(dataSource, "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'deribit_trades_pkey'"));
        Assert.Equal(["deribit_trades_instrument_time", "deribit_trades_pkey"],
            await ListAsync(dataSource, "SELECT indexname FROM pg_indexes WHERE tablename = 'deribit_trades' ORDER BY 1"));
        Assert.Empty(await ListAsync(dataSource, "SELECT relname::text FROM pg_class WHERE relname LIKE 'deribit_trades_unpartitioned%'"));
        var partitions = await PartitionsAsync(dataSource);
        Assert.Contains("deribit_trades_20200313", partitions);
        Assert.Contains("deribit_trades_20251205", partitions);
        Assert.Contains("deribit_trades_20251206", partitions);
        // Each row sits in the partition of its own UTC day (the last millisecond of 5 December in the 5th's).
        Assert.Equal(
            [
                "BTC 403691824 deribit_trades_20251205", "BTC 403691825 deribit_trades_20251206", "BTC 403691900 deribit_trades_20251206",
                "BTC 66460463 deribit_trades_20200313", "USDC 403691824 deribit_trades_20251206",
            ],
            await ListAsync(dataSource, "SELECT currency || ' ' || trade_id || ' ' || tableoid::regclass::text FROM deribit_trades ORDER BY 1"));
        Assert.Equal(before, await ListAsync(dataSource, Snapshot));

        await MigrateAsync(dataSource);

        Assert.Equal(before, await ListAsync(dataSource, Snapshot));
        Assert.Equal(partitions, await PartitionsAsync(dataSource));

        // A converted trade delivered again (a Kafka replay) still meets its row: nothing new is stored.
        await using var store = new DeribitTradesStore(dataSource, new DailyPartitions());
        var replay = new DeribitTradeRow
        {
            Currency = "BTC", TradeId = "403691824", InstrumentName = "BTC-PERPETUAL", Timestamp = 1764979199999, Price = 1, FieldsPresent = 1,
        };
        Assert.Equal(0, await store.InsertAsync(new[] { replay }));
        Assert.Equal(before, await ListAsync(dataSource, Snapshot));
    }

    private static async Task<string> EarlierBuildScriptAsync()
    {
        await using var stream = typeof(TradesPartitioningMigrationTests).Assembly
            .GetManifestResourceStream("Laevitas.Tests.Grains.Storage.Sql.022_deribit_trades_unpartitioned.sql")!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    private static Task MigrateAsync(NpgsqlDataSource dataSource) =>
        new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).ApplyAsync();

    private static Task<List<string>> PartitionsAsync(NpgsqlDataSource dataSource) =>
        ListAsync(dataSource, "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'deribit_trades'::regclass ORDER BY 1");

    private static async Task<int> ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<string>> ListAsync(NpgsqlDataSource dataSource, string sql)
    {
        var values = new List<string>();
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
