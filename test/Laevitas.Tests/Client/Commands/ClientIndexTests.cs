using System.Globalization;
using System.Net;
using System.Text.Json;
using Laevitas.Client.Cli;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.Indexes;
using Laevitas.Grains.Indexes;
using Laevitas.Testing;
using Laevitas.Tests.Infrastructure;
using Npgsql;

namespace Laevitas.Tests.Client.Commands;

/// <summary>
/// The index grain, <c>GET /api/indexes/{index}[/history]</c> and <c>laevitas index</c> on the shared silo: values handed
/// to a grain are held (copies ignored), written to <c>deribit_index_values</c>, and answered the same by the API and
/// the client; a reactivated grain starts from the newest stored rows; bad input is a problem+json and exit code 2,
/// an index with no value a 404 and exit code 3.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ClientIndexTests(ApiEnvironment environment)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ValuesReachTheGrainTheTableTheApiAndTheClient()
    {
        var silo = await environment.SiloAsync();
        // A name of its own per run: the shared database may hold an earlier run's rows.
        var index = $"t{DateTime.UtcNow.Ticks % 1_000_000_000:D9}_usd";
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds();
        IndexValue Price(long at, double value) => new() { IndexName = index, Kind = IndexValueKind.Price, Timestamp = at, Value = value, ReceivedAtMs = at + 3 };
        IndexValue Dvol(long at, double value) => new() { IndexName = index, Kind = IndexValueKind.Volatility, Timestamp = at, Value = value, ReceivedAtMs = at + 3 };
        IndexValue Estimate(long at, double value, long seconds) => new()
        {
            IndexName = index, Kind = IndexValueKind.EstimatedExpiration, Timestamp = at, Value = value, Seconds = seconds, IsEstimated = false, ReceivedAtMs = at,
        };

        var grain = silo.Grains.GetGrain<IIndexGrain>(index);
        await grain.ReceiveAsync([Price(t0, 100_000.5), Dvol(t0, 51.25), Estimate(t0 + 1, 100_001, 3600)]);
        // A second feed's copies: the same price and DVOL timestamps, the same estimate a few ms later.
        await grain.ReceiveAsync([Price(t0, 100_000.5), Dvol(t0, 51.25), Estimate(t0 + 7, 100_001, 3600), Price(t0 + 1000, 100_010.25)]);
        await grain.ReceiveAsync([Estimate(t0 + 1001, 100_011, 3599), Price(t0 + 500, 99_999)]); // the older price is a late copy
        // A new estimate read in the same millisecond as the last (frames read in one burst): kept, a millisecond later.
        await grain.ReceiveAsync([Estimate(t0 + 1001, 100_012, 3599)]);

        var snapshot = await grain.GetSnapshotAsync();
        Assert.Equal((t0 + 1000, 100_010.25), (snapshot.Price!.Timestamp, snapshot.Price.Value));
        Assert.Equal((t0, 51.25), (snapshot.Volatility!.Timestamp, snapshot.Volatility.Value));
        Assert.Equal((100_012.0, 3599L, false), (snapshot.EstimatedExpiration!.Value, snapshot.EstimatedExpiration.Seconds!.Value, snapshot.EstimatedExpiration.IsEstimated!.Value));
        Assert.Equal(6, snapshot.ValuesAccepted);

        await using var database = NpgsqlDataSource.Create(environment.ConnectionString);
        var store = new IndexValuesStore(database);
        var range = new IndexHistoryQuery { IndexName = index, FromMs = t0 - 1, ToMs = t0 + 60_000, Limit = 100 };
        await Eventually.TrueAsync(async () => (await store.ReadAsync(range)).Count == 6, Patience, "the six accepted values written");
        var stored = await store.ReadAsync(range);
        Assert.Equal(
            [("volatility", t0, 51.25), ("price", t0, 100_000.5), ("estimated_expiration", t0 + 1, 100_001), ("price", t0 + 1000, 100_010.25),
             ("estimated_expiration", t0 + 1001, 100_011), ("estimated_expiration", t0 + 1002, 100_012)],
            stored.Values.Select(v => (v.Kind, v.Timestamp, v.Value)).OrderBy(v => v.Timestamp).ThenBy(v => v.Kind == "volatility" ? 0 : 1).ToArray());

        // Latest: the API's document and the client's --json are the same.
        using var latest = await silo.Http.GetAsync($"api/indexes/{index}");
        var latestBody = await latest.Content.ReadAsStringAsync();
        Assert.True(latest.StatusCode == HttpStatusCode.OK, latestBody);
        var view = JsonSerializer.Deserialize<JsonElement>(latestBody);
        Assert.Equal(100_010.25, view.GetProperty("price").GetProperty("value").GetDouble());
        Assert.Equal(51.25, view.GetProperty("volatility").GetProperty("value").GetDouble());
        Assert.Equal(3599, view.GetProperty("estimatedExpiration").GetProperty("seconds").GetInt64());
        var cliLatest = await CliRun.RunAsync(silo.ClientSettings(), "index", index, "--json");
        Assert.True(cliLatest.ExitCode == ExitCodes.Ok, cliLatest.ToString());
        Assert.Equal(Normalize(latestBody), Normalize(cliLatest.Output));

        // History, paged: two rows a page; a page never ends inside a millisecond (t0 has a price and a DVOL).
        var from = (t0 - 1).ToString(CultureInfo.InvariantCulture);
        var to = (t0 + 60_000).ToString(CultureInfo.InvariantCulture);
        var page = JsonSerializer.Deserialize<IndexHistory>(await silo.Http.GetStringAsync($"api/indexes/{index}/history?from={from}&to={to}&limit=3"), LaevitasJson.Compact)!;
        Assert.Equal(3, page.Count);
        Assert.True(page.Truncated);
        Assert.Equal(t0 + 1000, page.NextFrom!.Value.ToUnixTimeMilliseconds());
        var next = JsonSerializer.Deserialize<IndexHistory>(
            await silo.Http.GetStringAsync($"api/indexes/{index}/history?from={page.NextFrom.Value.ToUnixTimeMilliseconds()}&to={to}&limit=3"), LaevitasJson.Compact)!;
        Assert.Equal(3, next.Count);
        Assert.False(next.Truncated);
        var historyBody = await silo.Http.GetStringAsync($"api/indexes/{index}/history?from={from}&to={to}&kind=price");
        var cliHistory = await CliRun.RunAsync(silo.ClientSettings(), "index", index, "--history", "--kind", "price", "--from", from, "--to", to, "--json");
        Assert.True(cliHistory.ExitCode == ExitCodes.Ok, cliHistory.ToString());
        Assert.Equal(Normalize(historyBody), Normalize(cliHistory.Output));
        Assert.Equal(2, JsonSerializer.Deserialize<IndexHistory>(historyBody, LaevitasJson.Compact)!.Count);
        var table = await CliRun.RunAsync(silo.ClientSettings(), "index", index);
        Assert.True(table.ExitCode == ExitCodes.Ok, table.ToString());
        Assert.Contains("DVOL", table.Console, StringComparison.Ordinal);
        Assert.Contains("100,010.25", table.Console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AGrainActivatedLaterStartsFromTheNewestStoredRows()
    {
        var silo = await environment.SiloAsync();
        var index = $"r{DateTime.UtcNow.Ticks % 1_000_000_000:D9}_usdc";
        var at = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds();
        await using var database = NpgsqlDataSource.Create(environment.ConnectionString);
        await new IndexValuesStore(database).InsertAsync(index,
        [
            new IndexValue { IndexName = index, Kind = IndexValueKind.Price, Timestamp = at, Value = 150, ReceivedAtMs = at },
            new IndexValue { IndexName = index, Kind = IndexValueKind.Price, Timestamp = at + 1000, Value = 151, ReceivedAtMs = at + 1000 },
        ]);

        var snapshot = await silo.Grains.GetGrain<IIndexGrain>(index).GetSnapshotAsync();
        Assert.Equal((at + 1000, 151.0), (snapshot.Price!.Timestamp, snapshot.Price.Value));
        Assert.Null(snapshot.Volatility);
        // A copy of a stored value is no longer new.
        await silo.Grains.GetGrain<IIndexGrain>(index).ReceiveAsync([new IndexValue { IndexName = index, Kind = IndexValueKind.Price, Timestamp = at + 1000, Value = 151 }]);
        Assert.Equal(0, (await silo.Grains.GetGrain<IIndexGrain>(index).GetSnapshotAsync()).ValuesAccepted);
    }

    [Theory]
    [InlineData("api/indexes/BTC_USD", "index", "did you mean btc_usd")]
    [InlineData("api/indexes/btc_usd/history?kind=iv", "kind", "is not one of price, volatility, estimated_expiration")]
    [InlineData("api/indexes/btc_usd/history?from=2024-01-02&to=2024-01-01", "from", "must be before to")]
    [InlineData("api/indexes/btc_usd/history?limit=0", "limit", "between 1 and")]
    public async Task BadParametersAreAProblemAndAnExitCode(string path, string parameter, string message)
    {
        var silo = await environment.SiloAsync();
        using var response = await silo.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(message, problem.RootElement.GetProperty("errors").GetProperty(parameter)[0].GetString(), StringComparison.Ordinal);

        var bad = await CliRun.RunAsync(silo.ClientSettings(), "index", "BTC_USD");
        Assert.Equal(ExitCodes.Usage, bad.ExitCode);
        var badKind = await CliRun.RunAsync(silo.ClientSettings(), "index", "btc_usd", "--history", "--kind", "iv");
        Assert.Equal(ExitCodes.Usage, badKind.ExitCode);
    }

    [Fact]
    public async Task AnIndexWithNoValueIsNotFound()
    {
        var silo = await environment.SiloAsync();
        using var response = await silo.Http.GetAsync("api/indexes/nothing_here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var run = await CliRun.RunAsync(silo.ClientSettings(), "index", "nothing_here");
        Assert.Equal(ExitCodes.NotFound, run.ExitCode);
    }

    private static string Normalize(string json) => JsonSerializer.Serialize(JsonSerializer.Deserialize<JsonElement>(json));
}
