using System.Diagnostics.Metrics;
using Laevitas.Grains.Retention;
using Laevitas.Grains.Storage;
using Laevitas.Grains.Writing;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Laevitas.Tests.Grains.Retention;

/// <summary>
/// Retention against a real PostgreSQL: rows written through the writer's store for twelve days (which creates their
/// daily partitions), then a pass keeping 3 days: the older partitions are gone, the kept ones hold exactly the rows
/// written to them, the drops are counted, and a second silo holding the lock makes a pass do nothing.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PartitionRetentionTests(PostgresFixture postgres)
{
    private const long DayMs = 86_400_000;
    private const int KeptDays = 3;

    private static readonly DateOnly Today = RetentionDatabase.Today;
    private static readonly DateTimeOffset Now = RetentionDatabase.Noon;

    [Fact]
    public async Task DropsWholeDaysPastTheSettingAndKeepsTheRecentRowsAsWritten()
    {
        await using var dataSource = await MigratedAsync("retention_drops");
        var written = RowsForDays(Enumerable.Range(-10, 12));
        await using (var store = new DeribitPricesStore(dataSource, new DailyPartitions()))
        {
            Assert.Equal(written.Length, await store.InsertAsync(written));
        }

        Assert.Contains(PartitionName(Today.AddDays(-10)), await RetentionDatabase.PartitionsAsync(dataSource.ConnectionString));
        using var metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var dropped = new DroppedPartitionsListener(metrics.GetRequiredService<IMeterFactory>());

        var pass = await Retention(dataSource, metrics).RunAsync(Now);

        var keepFrom = Today.AddDays(-KeptDays);
        Assert.True(pass.Ran);
        Assert.Equal(keepFrom, pass.KeepFrom);
        var expectedDropped = Enumerable.Range(-10, 10 - KeptDays).Select(offset => PartitionName(Today.AddDays(offset))).ToArray();
        Assert.Equal(expectedDropped, pass.Dropped.Select(p => p.Name).ToArray());
        Assert.Equal(expectedDropped.Length, dropped.Total("deribit_prices"));

        var remaining = await RetentionDatabase.PartitionsAsync(dataSource.ConnectionString);
        Assert.DoesNotContain(remaining, name => expectedDropped.Contains(name));
        for (var day = keepFrom; day <= Today.AddDays(1); day = day.AddDays(1))
        {
            Assert.Contains(PartitionName(day), remaining);
        }

        var kept = written.Where(row => row.Timestamp >= DayStartMs(keepFrom)).ToArray();
        Assert.Equal(KeptDays + 2, kept.Length);
        Assert.Equal(kept.Select(Values).ToArray(), await StoredAsync(dataSource));

        // A second pass has nothing left to drop.
        Assert.Empty((await Retention(dataSource, metrics).RunAsync(Now)).Dropped);
    }

    [Fact]
    public async Task APassWhileAnotherSiloHoldsTheLockDropsNothing()
    {
        await using var dataSource = await MigratedAsync("retention_locked");
        await using (var store = new DeribitPricesStore(dataSource, new DailyPartitions()))
        {
            await store.InsertAsync(RowsForDays([-5, 0]));
        }

        using var metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        await using var otherSilo = await dataSource.OpenConnectionAsync();
        await AdvisoryAsync(otherSilo, "pg_advisory_lock");

        var skipped = await Retention(dataSource, metrics).RunAsync(Now);
        Assert.False(skipped.Ran);
        Assert.Contains(PartitionName(Today.AddDays(-5)), await RetentionDatabase.PartitionsAsync(dataSource.ConnectionString));

        await AdvisoryAsync(otherSilo, "pg_advisory_unlock");

        var ran = await Retention(dataSource, metrics).RunAsync(Now);
        Assert.True(ran.Ran);
        // The writer creates a day's partition and the next one's.
        Assert.Equal([PartitionName(Today.AddDays(-5)), PartitionName(Today.AddDays(-4))], ran.Dropped.Select(p => p.Name).ToArray());
    }

    [Fact]
    public async Task AWriterOnAnotherSiloStoresALateTickOfADroppedDay()
    {
        await using var dataSource = await MigratedAsync("retention_late_tick");
        // The writer's partition cache belongs to another silo: retention's Forget() cannot reach it.
        await using var store = new DeribitPricesStore(dataSource, new DailyPartitions());
        await store.InsertAsync(RowsForDays([-6]));
        using var metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        Assert.Contains(PartitionName(Today.AddDays(-6)), (await Retention(dataSource, metrics).RunAsync(Now)).Dropped.Select(p => p.Name));

        var late = RowsForDays([-6]);
        late[0].Timestamp += 1;
        // The first attempt meets "no partition for the row" and clears the cache, as the writer grain's retry expects.
        await Assert.ThrowsAsync<PostgresException>(() => store.InsertAsync(late));
        Assert.Equal(1, await store.InsertAsync(late));
        Assert.Equal([Values(late[0])], await StoredAsync(dataSource));
    }

    /// <summary>Takes or releases retention's advisory lock ("LAEVRET1") on <paramref name="connection"/>.</summary>
    private static async Task AdvisoryAsync(NpgsqlConnection connection, string function)
    {
        await using var command = new NpgsqlCommand($"SELECT {function}(@key)", connection);
        command.Parameters.AddWithValue("key", 0x4C41455652455431L);
        await command.ExecuteNonQueryAsync();
    }

    private static PartitionRetention Retention(NpgsqlDataSource dataSource, IServiceProvider metrics) =>
        RetentionDatabase.Retention(dataSource, metrics, KeptDays);

    private Task<NpgsqlDataSource> MigratedAsync(string database) => RetentionDatabase.MigratedAsync(postgres, database);

    /// <summary>One row per day offset from today, at 06:00:00.123 UTC, with values that tell the days apart.</summary>
    private static DeribitPriceRow[] RowsForDays(IEnumerable<int> offsets) =>
        offsets.Select(offset => new DeribitPriceRow
        {
            InstrumentName = "BTC-PERPETUAL",
            Timestamp = DayStartMs(Today.AddDays(offset)) + 6 * 3_600_000 + 123,
            MarkPrice = 60_000.5 + offset,
            BestBidPrice = 59_999.25 + offset,
            OpenInterest = 1_000_000 + offset,
            Currency = "BTC",
            Kind = "perpetual",
            State = "open",
        }).ToArray();

    private static (string, long, double?, double?, double?, string?, string?, string?) Values(DeribitPriceRow row) =>
        (row.InstrumentName, row.Timestamp, row.MarkPrice, row.BestBidPrice, row.OpenInterest, row.Currency, row.Kind, row.State);

    private static async Task<List<(string, long, double?, double?, double?, string?, string?, string?)>> StoredAsync(NpgsqlDataSource dataSource)
    {
        var rows = new List<(string, long, double?, double?, double?, string?, string?, string?)>();
        await using var command = dataSource.CreateCommand(
            "SELECT instrument_name, \"timestamp\", mark_price, best_bid_price, open_interest, currency, kind, state FROM deribit_prices ORDER BY \"timestamp\"");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetFieldValue<double?>(2), reader.GetFieldValue<double?>(3),
                reader.GetFieldValue<double?>(4), reader.GetFieldValue<string?>(5), reader.GetFieldValue<string?>(6), reader.GetFieldValue<string?>(7)));
        }

        return rows;
    }

    private static string PartitionName(DateOnly day) => $"deribit_prices_{day:yyyyMMdd}";

    private static long DayStartMs(DateOnly day) => RetentionDatabase.DayStartMs(day);
}
