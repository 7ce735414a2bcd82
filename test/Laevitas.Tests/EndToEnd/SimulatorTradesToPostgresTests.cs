using System.Text;
using System.Text.Json;
using Laevitas.DeribitSimulator;
using Laevitas.DeribitSimulator.Ledger;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Stats;
using Laevitas.Testing;
using Laevitas.Testing.Trades;
using Laevitas.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;
using static Laevitas.Tests.EndToEnd.PipelineInfrastructure;

namespace Laevitas.Tests.EndToEnd;

/// <summary>
/// Trades through the whole pipeline of one silo wired as Program.cs wires it: simulator (trades.{kind}.{currency}.100ms)
/// → DeribitFeed (split per trade) → InstrumentGrain (deduplicated, published) → Kafka trades topic → trade stream →
/// trade writer → <c>deribit_trades</c>. Every trade the simulator generated is reconciled with its row value by value,
/// none missing and none extra, while tickers flow through the same silo.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SimulatorTradesToPostgresTests(PostgresFixture postgres, ITestOutputHelper output) : IDisposable
{
    private const int Instruments = 200;
    private const int Trades = 4_000;
    private const int Ticks = 10_000;
    private const string Topic = "e2e-trades";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly PipelineInfrastructure pipeline = new("e2e-trades-");

    public void Dispose() => pipeline.Dispose();

    [Fact]
    public async Task EveryGeneratedTradeIsStoredOnceWithTheValuesTheExchangeSent()
    {
        var connectionString = await postgres.CreateDatabaseAsync("e2e_simulator_trades");
        await using var simulator = await DeribitSimulatorServer.StartAsync(new SimulatorOptions
        {
            InstrumentCount = Instruments,
            TicksPerSecond = 0,
            MaxTicks = Ticks,
            TradesPerSecond = 0,
            MaxTrades = Trades,
            RecordEmitted = true,
            Seed = 21,
        });

        var settings = pipeline.SiloSettings(simulator.Url, connectionString, Topic, partitions: 4);
        settings["Deribit:Currencies"] = "BTC,ETH,USDC";
        settings["Deribit:Trades"] = "true";
        await using var silo = await SiloApiHost.StartAsync(settings);

        // 200 ticker channels and BTC, ETH, USDC × option, future trades channels.
        await Eventually.TrueAsync(() => silo.Feed.ChannelsSubscribed == Instruments + 6, Patience,
            "the silo to subscribe every ticker and trades channel", () => $"{silo.Feed.ChannelsSubscribed} subscribed; {Warnings(silo)}");

        simulator.TicksPerSecond = 2_000;
        simulator.TradesPerSecond = 1_000;
        await Eventually.TrueAsync(() => simulator.TradeLedger.TotalGenerated >= Trades, Patience, $"{Trades:N0} trades generated",
            () => $"{simulator.TradeLedger.TotalGenerated:N0} generated");

        await using var database = NpgsqlDataSource.Create(connectionString);
        long stored = 0;
        await Eventually.TrueAsync(
            async () =>
            {
                await using var count = database.CreateCommand("SELECT count(*) FROM deribit_trades");
                stored = (long)(await count.ExecuteScalarAsync())!;
                return stored >= Trades;
            },
            Patience, $"{Trades:N0} rows in deribit_trades", () => $"{stored:N0} stored; feed {silo.Feed.TradesReceived:N0} trades received; {Warnings(silo)}");

        var generated = simulator.TradeLedger.Snapshot();
        Assert.Equal(Trades, generated.Count);
        var rows = await StoredTrade.ReadAsync(database);
        var expected = generated.ToDictionary(t => t.TradeId, StringComparer.Ordinal);
        var missing = expected.Keys.Where(id => !rows.ContainsKey(id)).ToList();
        var extra = rows.Keys.Where(id => !expected.ContainsKey(id)).ToList();
        output.WriteLine($"{generated.Count:N0} trades generated, {rows.Count:N0} rows stored, {missing.Count} missing, {extra.Count} extra; " +
                         $"{generated.Count(t => t.Iv is not null):N0} option trades, {generated.Count(t => t.Liquidation is not null)} liquidations, " +
                         $"{generated.Count(t => t.BlockTradeId is not null)} block trades");
        Assert.Empty(missing);
        Assert.Empty(extra);
        foreach (var trade in generated)
        {
            Assert.Equal(StoredTrade.Expected(trade), rows[trade.TradeId]);
        }

        // The grain keeps the instrument's newest trade (highest trade_seq) in its snapshot, as received.
        var busiest = generated.GroupBy(t => t.InstrumentName).MaxBy(g => g.Count())!;
        var snapshot = await silo.Grains.GetGrain<IInstrumentGrain>(busiest.Key).GetSnapshotAsync();
        Assert.Equal(busiest.MaxBy(t => t.TradeSeq)!.Json, Encoding.UTF8.GetString(snapshot.LastTradePayload!));
        Assert.Equal(busiest.Count(), snapshot.TradesSeen);
        // And the HTTP API shows it, the trade object as the exchange sent it.
        using var detail = JsonDocument.Parse(await silo.Http.GetStringAsync($"/api/instruments/{busiest.Key}"));
        Assert.Equal(busiest.Count(), detail.RootElement.GetProperty("tradesSeen").GetInt64());
        Assert.Equal(
            JsonDocument.Parse(busiest.MaxBy(t => t.TradeSeq)!.Json).RootElement.ToString(),
            detail.RootElement.GetProperty("lastTrade").ToString());

        // /api/stats counts the trades at each stage: one feed and no fault, so every trade once at each.
        ClusterStats? stats = null;
        await Eventually.TrueAsync(
            async () =>
            {
                stats = JsonSerializer.Deserialize<ClusterStats>(await silo.Http.GetStringAsync("api/stats"), LaevitasJson.Compact);
                return stats?.Pipeline.TradeRowsWritten == Trades;
            },
            Patience, "/api/stats to count every trade written", () => JsonSerializer.Serialize(stats?.Pipeline));
        Assert.Equal(Trades, stats!.Pipeline.TradesReceived);
        Assert.Equal(Trades, stats.Pipeline.TradesPublished);
        Assert.Equal(0, stats.Pipeline.TradesSpoolPending);

        // Ticks went their own way through the same silo, into their own table.
        await Eventually.TrueAsync(
            async () =>
            {
                await using var count = database.CreateCommand("SELECT count(*) FROM deribit_prices");
                return (long)(await count.ExecuteScalarAsync())! == Ticks;
            },
            Patience, $"{Ticks:N0} rows in deribit_prices");
        Assert.Equal(0, silo.Feed.ParseErrors);
    }
}
