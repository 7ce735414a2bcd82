using System.Text;
using Laevitas.Grains.Storage;
using Laevitas.Grains.Writing;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Laevitas.Tests.Grains.Storage;

/// <summary>The deribit_prices schema and the COPY store, against a real PostgreSQL.</summary>
[Collection(TickStreamCollection.Name)]
public sealed class DeribitPricesStoreTests(PostgresFixture postgres)
{
    private const long DayMs = 86_400_000;

    [Fact]
    public async Task SchemaHasTheContractColumnsAndMigratesIdempotently()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("prices_schema"));
        var migrator = new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance);
        await migrator.ApplyAsync();
        await migrator.ApplyAsync();

        var columns = new List<(string Name, string Type)>();
        await using (var command = dataSource.CreateCommand(
                         "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'deribit_prices' ORDER BY ordinal_position"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                columns.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        (string, string)[] expected =
        [
            ("instrument_name", "text"), ("underlying_price", "double precision"), ("timestamp", "bigint"),
            ("settlement_price", "double precision"), ("open_interest", "double precision"), ("min_price", "double precision"),
            ("max_price", "double precision"), ("mark_price", "double precision"), ("mark_iv", "double precision"),
            ("last_price", "double precision"), ("interest_rate", "double precision"), ("index_price", "double precision"),
            ("bid_iv", "double precision"), ("best_bid_price", "double precision"), ("best_bid_amount", "double precision"),
            ("best_ask_price", "double precision"), ("best_ask_amount", "double precision"), ("ask_iv", "double precision"),
            ("currency", "text"), ("maturity", "date"), ("strike", "double precision"), ("type", "text"),
            ("createdAt", "timestamp with time zone"), ("kind", "text"), ("underlying_index", "text"),
            ("estimated_delivery_price", "double precision"), ("state", "text"), ("delta", "double precision"),
            ("gamma", "double precision"), ("vega", "double precision"), ("theta", "double precision"), ("rho", "double precision"),
            ("stats_volume", "double precision"), ("stats_price_change", "double precision"), ("stats_low", "double precision"),
            ("stats_high", "double precision"), ("received_at", "timestamp with time zone"),
            // 021: every other ticker field (issue 25).
            ("delivery_price", "double precision"), ("funding_8h", "double precision"), ("current_funding", "double precision"),
            ("interest_value", "double precision"), ("stats_volume_usd", "double precision"), ("stats_volume_notional", "double precision"),
            ("combo_state", "text"), ("implied_bid", "double precision"), ("implied_ask", "double precision"),
            ("quote_currency", "text"), ("settlement_currency", "text"), ("extra", "jsonb"), ("fields_present", "bigint"),
        ];
        Assert.Equal(expected, columns.Select(c => (c.Name, c.Type)).ToArray());

        await using var key = dataSource.CreateCommand(
            "SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, ord) " +
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum WHERE i.indrelid = 'deribit_prices'::regclass AND i.indisprimary");
        Assert.Equal("instrument_name,timestamp", await key.ExecuteScalarAsync());

        var today = DateTime.UtcNow.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"deribit_prices_{today}", await PartitionsAsync(dataSource));
    }

    [Fact]
    public async Task RowsLandInDailyPartitionsCreatedOnDemandAndStoredOnlyOnce()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("prices_store"));
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).ApplyAsync();
        await using var store = new DeribitPricesStore(dataSource, new DailyPartitions());

        // Three days, one of them long past (a replay of old data needs its partition created on the fly).
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var rows = Enumerable.Range(0, 300).Select(i => Row($"BTC-{i % 7}", now - (i % 3 * 10 * DayMs) + i)).ToArray();

        Assert.Equal(300, await store.InsertAsync(rows));
        Assert.Equal(0, await store.InsertAsync(rows));
        var more = rows.Take(100).Concat(Enumerable.Range(0, 50).Select(i => Row("ETH-PERPETUAL", now + i))).ToArray();
        Assert.Equal(50, await store.InsertAsync(more));

        var partitions = await PartitionsAsync(dataSource);
        foreach (var day in new[] { 0, 10, 20 })
        {
            var name = $"deribit_prices_{DateTimeOffset.FromUnixTimeMilliseconds(now - (day * DayMs)):yyyyMMdd}";
            Assert.Contains(name, partitions);
        }

        await using var count = dataSource.CreateCommand("SELECT count(*) FROM deribit_prices");
        Assert.Equal(350L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task ABatchWithRowsAlreadyStoredStoresItsNewRowsAndTheNextBatchesGoThroughStaging()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("prices_conflict"));
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).ApplyAsync();
        await using var store = new DeribitPricesStore(dataSource, new DailyPartitions());
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var first = Enumerable.Range(0, 100).Select(i => Row("BTC-PERPETUAL", now + i)).ToArray();
        Assert.Equal(100, await store.InsertAsync(first));
        Assert.Equal((1L, 0L), (store.DirectBatches, store.ConflictedBatches));

        // The last row of this batch is already stored: the direct COPY fails on it, after 50 new rows were sent.
        var overlapping = Enumerable.Range(0, 50).Select(i => Row("ETH-PERPETUAL", now + i)).Append(first[^1]).ToArray();
        Assert.Equal(50, await store.InsertAsync(overlapping));
        Assert.Equal((1L, 1L), (store.DirectBatches, store.ConflictedBatches));

        // A replay right after: staged without trying the direct COPY again; a batch of new rows too, for a while.
        Assert.Equal(0, await store.InsertAsync(first));
        Assert.Equal(10, await store.InsertAsync(Enumerable.Range(0, 10).Select(i => Row("SOL-PERPETUAL", now + i)).ToArray()));
        Assert.Equal((1L, 1L), (store.DirectBatches, store.ConflictedBatches));

        // Two rows with one key in one batch (a tick published twice): one is stored.
        var twice = new[] { Row("XRP-PERPETUAL", now), Row("XRP-PERPETUAL", now) };
        await using var fresh = new DeribitPricesStore(dataSource, new DailyPartitions());
        Assert.Equal(1, await fresh.InsertAsync(twice));
        Assert.Equal((0L, 1L), (fresh.DirectBatches, fresh.ConflictedBatches));

        await using var count = dataSource.CreateCommand("SELECT count(*), count(*) FILTER (WHERE \"createdAt\" > now() - interval '1 hour') FROM deribit_prices");
        await using var reader = await count.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(161L, reader.GetInt64(0));
        Assert.Equal(161L, reader.GetInt64(1));
    }

    [Fact]
    public async Task RowsPostgresRejectsAreIsolatedAndTheRestIsStored()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("prices_reject"));
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).ApplyAsync();
        await using var store = new DeribitPricesStore(dataSource, new DailyPartitions());
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var rows = Enumerable.Range(0, 20).Select(i => Row($"BTC-{i}", now)).ToArray();
        rows[3].InstrumentName = "BTC\0BAD"; // text cannot hold NUL: SQLSTATE 22021
        rows[17].Type = "X"; // violates the C/P check

        var rejected = new List<(int, string)>();
        var inserted = await store.InsertIsolatingRejectedRowsAsync(rows, (index, error) => rejected.Add((index, error.SqlState)));

        Assert.Equal(18, inserted);
        Assert.Equal([(3, "22021"), (17, "23514")], rejected.OrderBy(r => r.Item1).ToArray());
    }

    [Fact]
    public async Task MigratingATableOfTheOldSchemaKeepsItsRows()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("prices_old_schema"));
        // The table as the scripts before 021 left it, with a row in it.
        var assembly = typeof(DatabaseMigrator).Assembly;
        foreach (var script in new[] { "015_daily_partitions.sql", "020_deribit_prices.sql" })
        {
            await using var stream = assembly.GetManifestResourceStream("Laevitas.Grains.Storage.Sql." + script)!;
            using var text = new StreamReader(stream);
            await using var create = dataSource.CreateCommand(await text.ReadToEndAsync());
            await create.ExecuteNonQueryAsync();
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using (var insert = dataSource.CreateCommand(
                         "INSERT INTO deribit_prices (instrument_name, \"timestamp\", mark_price, currency) VALUES ('BTC-PERPETUAL', $1, 97000.5, 'BTC')"))
        {
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = now });
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }

        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).ApplyAsync();

        await using var select = dataSource.CreateCommand(
            "SELECT \"timestamp\", mark_price, currency, funding_8h IS NULL, extra IS NULL, fields_present IS NULL FROM deribit_prices");
        await using var reader = await select.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((now, 97000.5, "BTC", true, true, true),
            (reader.GetInt64(0), reader.GetDouble(1), reader.GetString(2), reader.GetBoolean(3), reader.GetBoolean(4), reader.GetBoolean(5)));
        Assert.False(await reader.ReadAsync());
    }

    [Fact]
    public async Task EveryColumnRoundTripsThroughTheBinaryCopy()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("prices_roundtrip"));
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).ApplyAsync();
        await using var store = new DeribitPricesStore(dataSource, new DailyPartitions());
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        // Every double column a different value, so a column written in the wrong place shows.
        object boxed = Row("BTC-27DEC26-100000-C", now);
        var next = 0.5;
        foreach (var field in typeof(DeribitPriceRow).GetFields().Where(f => f.FieldType == typeof(double?)))
        {
            field.SetValue(boxed, next += 1.25);
        }

        var full = (DeribitPriceRow)boxed;
        full.Delta = double.NaN;
        full.Theta = double.NegativeInfinity;
        full.Rho = -1.5e-300;
        full.Currency = "BTC";
        full.Maturity = new DateOnly(2026, 12, 27);
        full.Type = "C";
        full.Kind = "option";
        full.UnderlyingIndex = "SYN.BTC-27DEC26";
        full.State = "open ✓ \ud800"; // a lone surrogate is not UTF-8: stored as U+FFFD
        full.ReceivedAt = new DateTime(2026, 12, 3, 10, 0, 0, DateTimeKind.Utc).AddTicks(1_234_567); // 123,456.7 µs
        full.ComboState = "active";
        full.QuoteCurrency = "USDC";
        full.SettlementCurrency = "USDC";
        // jsonb prints its canonical form; written in that form, the text read back must be the same.
        full.Extra = Encoding.UTF8.GetBytes("""{"new_field": [1, "é", {"x": null}], "estimated_delivery_price": "expired"}""");
        full.FieldsPresent = long.MinValue | 0x5A5A_5A5A_5A5A;
        var nulls = new DeribitPriceRow { InstrumentName = "ETH-PERPETUAL", Timestamp = now };
        var longText = Row("SOL-PERPETUAL", now);
        longText.State = new string('x', 100_000) + "é"; // longer than the writer's buffer

        Assert.Equal(3, await store.InsertAsync(new[] { full, nulls, longText }));

        full.State = "open ✓ \ufffd";
        full.ReceivedAt = full.ReceivedAt.Value.AddTicks(-(full.ReceivedAt.Value.Ticks % TimeSpan.TicksPerMicrosecond));
        foreach (var expected in new[] { full, nulls, longText })
        {
            await using var select = dataSource.CreateCommand("SELECT * FROM deribit_prices WHERE instrument_name = $1");
            select.Parameters.Add(new NpgsqlParameter { Value = expected.InstrumentName });
            await using var reader = await select.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            foreach (var field in typeof(DeribitPriceRow).GetFields())
            {
                var ordinal = reader.GetOrdinal(SnakeCase(field.Name));
                var type = Nullable.GetUnderlyingType(field.FieldType) ?? field.FieldType;
                object? stored = reader.IsDBNull(ordinal) ? null
                    : type == typeof(byte[]) ? Encoding.UTF8.GetBytes(reader.GetString(ordinal))
                    : type == typeof(DateOnly) ? reader.GetFieldValue<DateOnly>(ordinal)
                    : type == typeof(DateTime) ? reader.GetFieldValue<DateTime>(ordinal)
                    : reader.GetValue(ordinal);
                var written = field.GetValue(expected);
                var same = written is byte[] bytes ? stored is byte[] read && bytes.AsSpan().SequenceEqual(read) : Equals(written, stored);
                Assert.True(same, $"{expected.InstrumentName} {field.Name}: wrote {Show(written)}, read {Show(stored)}");
            }
        }
    }

    private static string Show(object? value) => value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : value?.ToString() ?? "null";

    // Funding8h is the one field whose column puts an underscore before a digit.
    private static string SnakeCase(string name) => name == "Funding8h" ? "funding_8h" :
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));

    private static DeribitPriceRow Row(string name, long timestamp) => new()
    {
        InstrumentName = name,
        Timestamp = timestamp,
        MarkPrice = 1.5,
        Kind = "future",
        ReceivedAt = DateTime.UnixEpoch.AddMilliseconds(timestamp + 3),
    };

    private static async Task<List<string>> PartitionsAsync(NpgsqlDataSource dataSource)
    {
        var names = new List<string>();
        await using var command = dataSource.CreateCommand("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'deribit_prices'::regclass");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}
