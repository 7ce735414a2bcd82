using Laevitas.Silo.Settlements;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Silo.Settlements;

/// <summary>
/// One backfill pass against the simulator over a real WebSocket into a real PostgreSQL: the whole history stored with
/// its values, a second pass asking only for what is new, a corrected price replacing the stored one, a bad index
/// failing alone.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SettlementBackfillTests(PostgresFixture postgres)
{
    private static readonly string[] Indexes = ["btc_usd", "eth_usd", "sol_usdc"];

    [Fact]
    public async Task APassStoresTheWholeHistoryAndTheNextOnlyWhatIsNew()
    {
        // 07:00 on 30 July: the newest settlement is the 29th; the history starts 400 days before (4 pages of 100 + 1).
        var clock = new ManualClock(new DateTimeOffset(2025, 7, 30, 7, 0, 0, TimeSpan.Zero));
        var options = SimulatorTestOptions.Create(instruments: 20, rate: 0);
        options.Clock = clock;
        options.SettlementsSince = new DateOnly(2025, 7, 29).AddDays(-400);
        await using var rig = await SettlementRig.StartAsync(postgres, "settlements_backfill", options);

        var first = await rig.Backfill.RunAsync(Indexes, pageSize: 100, CancellationToken.None);

        Assert.Empty(first.Failures);
        Assert.Equal(3 * 401, first.Inserted);
        Assert.Equal(0, first.Updated);
        Assert.Equal(3 * 5, first.Calls);
        foreach (var index in Indexes)
        {
            await rig.AssertReconciledAsync(index);
            Assert.Equal(new DateOnly(2025, 7, 29), first.NewestStored[index]);
        }

        // Nothing new: one page per index, which reaches the stored dates at once; nothing inserted or rewritten.
        var again = await rig.Backfill.RunAsync(Indexes, pageSize: 100, CancellationToken.None);
        Assert.Equal((3, 0, 0), (again.Calls, again.Inserted, again.Updated));
        Assert.Equal(["btc_usd", "eth_usd", "sol_usdc"], again.IndexesWithout(new DateOnly(2025, 7, 30)));

        // 08:00 passes: the 30th's settlement is fetched (one call per index) and only it is new.
        clock.Set(new DateTimeOffset(2025, 7, 30, 8, 0, 1, TimeSpan.Zero));
        var next = await rig.Backfill.RunAsync(Indexes, pageSize: 100, CancellationToken.None);
        Assert.Equal((3, 3, 0), (next.Calls, next.Inserted, next.Updated));
        Assert.Empty(next.IndexesWithout(new DateOnly(2025, 7, 30)));
        foreach (var index in Indexes)
        {
            var newest = (await rig.StoredAsync(index))[^1];
            Assert.Equal(SettlementRig.Newest(rig.Simulator, index).Date, newest.Date);
            Assert.Equal(new DateOnly(2025, 7, 30), newest.Date);
            Assert.Equal(SettlementRig.Newest(rig.Simulator, index).DeliveryPrice, newest.DeliveryPrice);
            await rig.AssertReconciledAsync(index);
        }
    }

    [Fact]
    public async Task APriceTheExchangeCorrectedReplacesTheStoredOneAndADateIsNeverStoredTwice()
    {
        var clock = new ManualClock(new DateTimeOffset(2025, 7, 30, 9, 0, 0, TimeSpan.Zero));
        var options = SimulatorTestOptions.Create(instruments: 20, rate: 0);
        options.Clock = clock;
        options.SettlementsSince = new DateOnly(2025, 6, 1);
        await using var rig = await SettlementRig.StartAsync(postgres, "settlements_correction", options);
        Assert.Empty((await rig.Backfill.RunAsync(["btc_usd"], pageSize: 10, CancellationToken.None)).Failures);

        // The stored price of the day before the newest differs from the exchange's (as after a correction there).
        await using (var tamper = rig.DataSource.CreateCommand(
                         "UPDATE deribit_delivery_prices SET delivery_price = 1 WHERE index_name = 'btc_usd' AND delivery_date = '2025-07-29'"))
        {
            Assert.Equal(1, await tamper.ExecuteNonQueryAsync());
        }

        var pass = await rig.Backfill.RunAsync(["btc_usd"], pageSize: 10, CancellationToken.None);
        Assert.Equal((0, 1), (pass.Inserted, pass.Updated));
        await rig.AssertReconciledAsync("btc_usd");

        // Every silo may run the backfill: the same dates stored again, also at once, remain one row each.
        var twice = await Task.WhenAll(
            rig.Backfill.RunAsync(["btc_usd"], pageSize: 10, CancellationToken.None),
            rig.Backfill.RunAsync(["btc_usd"], pageSize: 10, CancellationToken.None));
        Assert.All(twice, p => Assert.Equal((0, 0), (p.Inserted, p.Updated)));
        await using var count = rig.DataSource.CreateCommand("SELECT count(*), count(DISTINCT delivery_date) FROM deribit_delivery_prices");
        await using var reader = await count.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((60L, 60L), (reader.GetInt64(0), reader.GetInt64(1)));
    }

    [Fact]
    public async Task AnIndexTheExchangeDoesNotKnowFailsAlone()
    {
        var options = SimulatorTestOptions.Create(instruments: 20, rate: 0);
        options.SettlementsSince = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-20);
        await using var rig = await SettlementRig.StartAsync(postgres, "settlements_unknown", options);

        var pass = await rig.Backfill.RunAsync(["doge_usd", "eth_usd"], pageSize: 1000, CancellationToken.None);

        var failure = Assert.Single(pass.Failures);
        Assert.Equal("doge_usd", failure.Key);
        Assert.Contains("-32602", failure.Value, StringComparison.Ordinal);
        Assert.Empty(await rig.StoredAsync("doge_usd"));
        await rig.AssertReconciledAsync("eth_usd");
    }

    [Fact]
    public void IndexesFollowTheConfiguredCurrenciesUnlessNamed()
    {
        var deribit = new Laevitas.Feed.DeribitOptions { Currencies = ["BTC", "ETH", "USDC"] };
        Assert.Equal(["btc_usd", "eth_usd", "btc_usdc", "eth_usdc", "sol_usdc", "xrp_usdc"], SettlementIndexes.Resolve(new SettlementOptions(), deribit));
        Assert.Equal(["btc_usd"], SettlementIndexes.Resolve(new SettlementOptions(), new Laevitas.Feed.DeribitOptions { Currencies = ["BTC", "USDT"] }));
        Assert.Equal(["sol_usdc", "btc_usd"], SettlementIndexes.Resolve(new SettlementOptions { Indexes = " sol_usdc, btc_usd ,sol_usdc" }, deribit));
    }
}
