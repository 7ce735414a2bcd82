using System.Net;
using System.Text;
using System.Text.Json;
using Laevitas.Client.Cli;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.Trades;
using Laevitas.Grains.Storage;
using Laevitas.Grains.Trades;
using Laevitas.Tests.Infrastructure;
using Laevitas.Tests.Recordings;
using Npgsql;

namespace Laevitas.Tests.Client.Commands;

/// <summary>
/// <c>GET /api/instruments/{name}/trades</c> and <c>laevitas trades</c> over recorded real trades stored in the shared
/// silo's database: the same document from both, problem+json and exit code 2 for a bad range.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ClientTradesTests(ApiEnvironment environment)
{
    // A combo instrument the simulator never lists: only the recorded trade is stored for it.
    private const string Combo = "BTC-CS-19MAY26-70000_75000";

    [Fact]
    public async Task TradesFromTheApiAndTheClientAreTheStoredTrades()
    {
        var silo = await environment.SiloAsync();
        var recorded = TradeRebuilder.RecordedTrades().Single(t => t.Recording.Channel.Contains(Combo, StringComparison.Ordinal)).Trade;
        var row = default(DeribitTradeRow);
        Assert.True(TradePayloadParser.TryParse(Encoding.UTF8.GetBytes(recorded), 0, ref row, out var error), error);
        await using (var dataSource = NpgsqlDataSource.Create(environment.ConnectionString))
        await using (var store = new DeribitTradesStore(dataSource, new DailyPartitions()))
        {
            // Idempotent: the test may run against a database where it already ran.
            await store.InsertAsync(new[] { row });
        }

        var from = row.Timestamp;
        var to = row.Timestamp + 1;
        using var response = await silo.Http.GetAsync($"api/instruments/{Combo}/trades?from={from}&to={to}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var history = JsonSerializer.Deserialize<TradeHistory>(body, LaevitasJson.Compact)!;
        var trade = Assert.Single(history.Trades);
        Recordings.JsonEquivalence.AssertEquivalent(System.Text.Json.Nodes.JsonNode.Parse(recorded), TradeRebuilder.Rebuild(trade), "API trade");
        using (var document = JsonDocument.Parse(body))
        {
            var first = document.RootElement.GetProperty("trades")[0];
            foreach (var property in new[] { "currency", "tradeId", "instrumentName", "timestamp", "price", "amount", "direction", "indexPrice", "markPrice", "tickDirection", "extra" })
            {
                Assert.True(first.TryGetProperty(property, out _), $"trade lacks {property}");
            }
        }

        var run = await CliRun.RunAsync(silo.ClientSettings(), "trades", Combo, "--from", from.ToString(System.Globalization.CultureInfo.InvariantCulture), "--to", to.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Equal(JsonSerializer.Serialize(JsonSerializer.Deserialize<JsonElement>(body)), JsonSerializer.Serialize(JsonSerializer.Deserialize<JsonElement>(run.Output)));

        var table = await CliRun.RunAsync(silo.ClientSettings(), "trades", Combo, "--from", from.ToString(System.Globalization.CultureInfo.InvariantCulture), "--to", to.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(table.ExitCode == ExitCodes.Ok, table.ToString());
        Assert.Contains($"{Combo}: 1 trade(s)", table.Console, StringComparison.Ordinal);
        Assert.Contains(trade.TradeId, table.Console, StringComparison.Ordinal);

        using var bad = await silo.Http.GetAsync($"api/instruments/{Combo}/trades?from={to}&to={from}");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        var badRun = await CliRun.RunAsync(silo.ClientSettings(), "trades", Combo, "--from", "2025-01-02", "--to", "2025-01-01");
        Assert.Equal(ExitCodes.Usage, badRun.ExitCode);
    }
}
