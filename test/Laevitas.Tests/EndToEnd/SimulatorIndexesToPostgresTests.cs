using System.Text.Json;
using Laevitas.DeribitSimulator;
using Laevitas.DeribitSimulator.Ledger;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.Indexes;
using Laevitas.Testing;
using Laevitas.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;
using static Laevitas.Tests.EndToEnd.PipelineInfrastructure;

namespace Laevitas.Tests.EndToEnd;

/// <summary>
/// Index channels through one silo wired as Program.cs wires it: simulator (deribit_price_index,
/// deribit_volatility_index, estimated_expiration_price of btc_usd and eth_usd) → DeribitFeed → IndexGrain →
/// <c>deribit_index_values</c>, while tickers flow through the same silo. Every price index and DVOL value the simulator
/// sent is reconciled with its row value by value (none missing, none extra); the estimated expiration prices, which
/// carry no timestamp, by their (price, seconds, is_estimated). The grain's latest values and the HTTP API show them.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SimulatorIndexesToPostgresTests(PostgresFixture postgres, ITestOutputHelper output) : IDisposable
{
    private const int Instruments = 20;
    private const string Topic = "e2e-indexes";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private readonly PipelineInfrastructure pipeline = new("e2e-indexes-");

    public void Dispose() => pipeline.Dispose();

    [Fact]
    public async Task EveryIndexAndDvolValueSentIsStoredOnceWithItsValue()
    {
        var connectionString = await postgres.CreateDatabaseAsync("e2e_simulator_indexes");
        await using var simulator = await DeribitSimulatorServer.StartAsync(new SimulatorOptions
        {
            InstrumentCount = Instruments,
            // Ticks move the index walks, so consecutive index values differ.
            TicksPerSecond = 200,
            RecordEmitted = true,
            Seed = 41,
            IndexInterval = TimeSpan.FromMilliseconds(250),
        });

        var settings = pipeline.SiloSettings(simulator.Url, connectionString, Topic, partitions: 2);
        settings["Deribit:Currencies"] = "BTC,ETH";
        settings["Deribit:IndexChannels"] = "true";
        await using var silo = await SiloApiHost.StartAsync(settings);

        // 6 index channels: btc_usd and eth_usd × price index, DVOL, estimated expiration price.
        await Eventually.TrueAsync(() => silo.Feed.IndexValuesReceived >= 6 * 40, Patience, "40 values of each index channel received",
            () => $"{silo.Feed.IndexValuesReceived} received, {simulator.IndexLedger.TotalSent} sent; {silo.Feed.ChannelsSubscribed} channels; {Warnings(silo)}");
        var sent = simulator.IndexLedger.Snapshot();
        var timed = sent.Where(v => v.Channel != "estimated_expiration_price").ToList();

        await using var database = NpgsqlDataSource.Create(connectionString);
        Dictionary<(string Index, string Kind, long Timestamp), StoredValue> rows = [];
        await Eventually.TrueAsync(
            async () =>
            {
                rows = await ReadAsync(database);
                return timed.All(v => rows.ContainsKey((v.IndexName, KindOf(v), v.Timestamp)));
            },
            Patience, "every price index and DVOL value sent stored",
            () => $"{timed.Count(v => !rows.ContainsKey((v.IndexName, KindOf(v), v.Timestamp)))} of {timed.Count} missing; {Warnings(silo)}");

        // Value by value, and nothing stored that was not sent. The ledger is read again after the rows: a value is
        // recorded before it is sent, so every row read is in it. (The first snapshot may hold part of a round only: the
        // six values of a round share one timestamp and are recorded one by one, so a bound by timestamp is not enough.)
        foreach (var value in timed)
        {
            Assert.Equal(new StoredValue(value.Value, null, null), rows[(value.IndexName, KindOf(value), value.Timestamp)]);
        }

        var sentByKey = simulator.IndexLedger.Snapshot().Where(v => v.Channel != "estimated_expiration_price")
            .ToDictionary(v => (v.IndexName, KindOf(v), v.Timestamp), v => v.Value);
        Assert.All(rows.Where(r => r.Key.Kind != "estimated_expiration"), r =>
        {
            Assert.True(sentByKey.TryGetValue(r.Key, out var sentValue), $"{r.Key} stored but never sent");
            Assert.Equal(sentValue, r.Value.Value);
        });
        Assert.Equal(2, timed.Where(v => v.Channel == "deribit_volatility_index").Select(v => v.IndexName).Distinct().Count());

        // Estimated expiration prices: every distinct one sent is stored, and every stored one was sent. Values the grain
        // took for a second feed's copy (equal price, seconds and is_estimated) are the only ones not stored twice.
        var estimates = sent.Where(v => v.Channel == "estimated_expiration_price").Select(v => (v.IndexName, v.Value, v.Seconds, v.IsEstimated)).ToHashSet();
        // Eventually: the last round's estimates may come in the grain's next write, after its prices.
        HashSet<(string, double, long?, bool?)> storedEstimates = [];
        await Eventually.TrueAsync(
            async () =>
            {
                rows = await ReadAsync(database);
                storedEstimates = rows.Where(r => r.Key.Kind == "estimated_expiration").Select(r => (r.Key.Index, r.Value.Value, r.Value.Seconds, r.Value.IsEstimated)).ToHashSet();
                return estimates.IsSubsetOf(storedEstimates);
            },
            Patience, "every distinct estimated expiration price sent stored",
            () => $"missing: {string.Join(", ", estimates.Except(storedEstimates).Take(5))}");
        var everSent = simulator.IndexLedger.Snapshot().Where(v => v.Channel == "estimated_expiration_price").Select(v => (v.IndexName, v.Value, v.Seconds, v.IsEstimated)).ToHashSet();
        Assert.Subset(everSent, storedEstimates);
        output.WriteLine($"{sent.Count} index values sent ({timed.Count} with exchange timestamps), {rows.Count} rows stored, {storedEstimates.Count} distinct estimates");

        // The grain holds the latest of each kind, no older than what the snapshot saw; the API shows the grain's values.
        var snapshot = await silo.Grains.GetGrain<IIndexGrain>("btc_usd").GetSnapshotAsync();
        var lastBtcPrice = timed.Where(v => v.IndexName == "btc_usd" && v.Channel == "deribit_price_index").MaxBy(v => v.Timestamp)!;
        Assert.True(snapshot.Price!.Timestamp >= lastBtcPrice.Timestamp);
        Assert.NotNull(snapshot.Volatility);
        Assert.NotNull(snapshot.EstimatedExpiration);
        Assert.Contains(simulator.IndexLedger.Snapshot(), v => v.Channel == "deribit_price_index" && v.IndexName == "btc_usd"
                                                              && v.Timestamp == snapshot.Price.Timestamp && v.Value == snapshot.Price.Value);
        var view = JsonSerializer.Deserialize<JsonElement>(await silo.Http.GetStringAsync("api/indexes/btc_usd"), LaevitasJson.Compact);
        Assert.Equal("btc_usd", view.GetProperty("indexName").GetString());
        Assert.True(view.GetProperty("price").GetProperty("timestamp").GetInt64() >= snapshot.Price.Timestamp);

        // And the history endpoint reads the same rows back, DVOL on its own with kind=volatility. Up to the snapshot's
        // last round, not into it (to is exclusive): that round may be in the snapshot in part only.
        var from = timed.Min(v => v.Timestamp);
        var lastSent = timed.Max(v => v.Timestamp);
        var history = JsonSerializer.Deserialize<IndexHistory>(
            await silo.Http.GetStringAsync($"api/indexes/eth_usd/history?kind=volatility&from={from}&to={lastSent}&limit=10000"), LaevitasJson.Compact)!;
        Assert.Equal(
            timed.Where(v => v.IndexName == "eth_usd" && v.Channel == "deribit_volatility_index" && v.Timestamp < lastSent).OrderBy(v => v.Timestamp).Select(v => (v.Timestamp, v.Value)),
            history.Values.Select(v => (v.Timestamp, v.Value)));
        Assert.All(history.Values, v => Assert.Equal("volatility", v.Kind));
        Assert.Equal(0, silo.Feed.ParseErrors);
    }

    private static string KindOf(SimulatedIndexValue value) => value.Channel switch
    {
        "deribit_price_index" => "price",
        "deribit_volatility_index" => "volatility",
        _ => "estimated_expiration",
    };

    private static async Task<Dictionary<(string Index, string Kind, long Timestamp), StoredValue>> ReadAsync(NpgsqlDataSource database)
    {
        var rows = new Dictionary<(string, string, long), StoredValue>();
        await using var command = database.CreateCommand("SELECT index_name, kind, \"timestamp\", value, seconds, is_estimated FROM deribit_index_values");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2)),
                new StoredValue(reader.GetDouble(3), reader.IsDBNull(4) ? null : reader.GetInt64(4), reader.IsDBNull(5) ? null : reader.GetBoolean(5)));
        }

        return rows;
    }

    private sealed record StoredValue(double Value, long? Seconds, bool? IsEstimated);
}
