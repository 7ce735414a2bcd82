using System.Globalization;
using System.Net;
using System.Text.Json;
using Laevitas.Client.Cli;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.Settlements;
using Laevitas.Testing;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Silo.Api;

/// <summary>
/// The shared API silo (wired like Program.cs, following the simulator) backfills the simulator's delivery prices on its
/// own; <c>GET /api/settlements/{index}</c> and <c>laevitas settlements</c> return them, value for value, and refuse bad
/// input with problem+json and the usage / not-found exit codes.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class SettlementQueryTests(ApiEnvironment environment)
{
    [Fact]
    public async Task TheApiAndTheClientReturnTheBackfilledHistory()
    {
        var silo = await environment.SiloAsync();
        var expected = environment.Simulator.DeliveryPrices("btc_usd").Reverse().ToArray();
        SettlementHistory? history = null;
        string body = "";
        await Eventually.TrueAsync(async () =>
        {
            using var response = await silo.Http.GetAsync("api/settlements/btc_usd");
            body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return false;
            }

            history = JsonSerializer.Deserialize<SettlementHistory>(body, LaevitasJson.Compact)!;
            return history.Count == expected.Length;
        }, TimeSpan.FromSeconds(30), "the silo backfilled btc_usd", () => body);

        Assert.Equal(expected.Select(e => (e.Date, e.DeliveryPrice)), history!.Settlements.Select(s => (s.Date, s.DeliveryPrice)));
        Assert.All(history.Settlements, s => Assert.Equal("btc_usd", s.IndexName));
        Assert.False(history.Truncated);
        using (var document = JsonDocument.Parse(body))
        {
            var first = document.RootElement.GetProperty("settlements")[0];
            Assert.Equal(Format(expected[0].Date), first.GetProperty("date").GetString());
            Assert.Equal(expected[0].DeliveryPrice, first.GetProperty("deliveryPrice").GetDouble());
        }

        // A range, paged: both ends inclusive, nextFrom where the next page starts, nothing repeated or skipped.
        var from = expected[10].Date;
        var to = expected[29].Date;
        var paged = new List<SettlementRow>();
        string? next = Format(from);
        while (next is not null)
        {
            var page = await GetAsync(silo, $"api/settlements/btc_usd?from={next}&to={Format(to)}&limit=7");
            paged.AddRange(page.Settlements);
            Assert.True(page.Count <= 7);
            next = page.NextFrom is { } n ? Format(n) : null;
            Assert.Equal(page.Truncated, next is not null);
        }

        Assert.Equal(expected[10..30].Select(e => e.Date), paged.Select(s => s.Date));

        var run = await CliRun.RunAsync(silo.ClientSettings(), "settlements", "btc_usd", "--json");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Equal(JsonSerializer.Serialize(JsonSerializer.Deserialize<JsonElement>(body)), JsonSerializer.Serialize(JsonSerializer.Deserialize<JsonElement>(run.Output)));

        // /api/stats shows, per silo, the newest delivery date its backfill stored.
        await Eventually.TrueAsync(async () =>
        {
            using var stats = JsonDocument.Parse(await silo.Http.GetStringAsync("api/stats"));
            return stats.RootElement.GetProperty("pipelineBySilo").EnumerateArray().Any(s =>
                s.TryGetProperty("settlementsNewest", out var newest) && newest.ValueKind == JsonValueKind.Object
                && newest.TryGetProperty("btc_usd", out var date) && date.GetString() == Format(expected[^1].Date));
        }, TimeSpan.FromSeconds(10), "/api/stats names btc_usd's newest settlement");

        var table = await CliRun.RunAsync(silo.ClientSettings(), "settlements", "btc_usd", "--from", Format(from), "--to", Format(to));
        Assert.True(table.ExitCode == ExitCodes.Ok, table.ToString());
        Assert.Contains("btc_usd: 20 settlement(s)", table.Console, StringComparison.Ordinal);
        Assert.Contains(expected[10].DeliveryPrice.ToString("#,0.########", CultureInfo.InvariantCulture), table.Console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownIndexAndBadDatesAreRefusedClearly()
    {
        var silo = await environment.SiloAsync();
        // Wait for the backfill, so that "unknown" is not merely "not yet".
        await Eventually.TrueAsync(async () =>
        {
            using var response = await silo.Http.GetAsync("api/settlements/eth_usd?limit=1");
            return response.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(30), "eth_usd backfilled");

        var unknown = await ProblemAsync(silo, "api/settlements/doge_usd", HttpStatusCode.NotFound);
        Assert.Contains("doge_usd", unknown.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("eth_usd", unknown.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var upper = await ProblemAsync(silo, "api/settlements/BTC_USD", HttpStatusCode.BadRequest);
        Assert.Contains("did you mean btc_usd", upper.GetProperty("errors").GetProperty("index")[0].GetString(), StringComparison.Ordinal);
        var badDate = await ProblemAsync(silo, "api/settlements/btc_usd?from=2024-13-01", HttpStatusCode.BadRequest);
        Assert.Contains("yyyy-MM-dd", badDate.GetProperty("errors").GetProperty("from")[0].GetString(), StringComparison.Ordinal);
        var reversed = await ProblemAsync(silo, "api/settlements/btc_usd?from=2025-02-01&to=2025-01-01", HttpStatusCode.BadRequest);
        Assert.Contains("must not be after", reversed.GetProperty("errors").GetProperty("from")[0].GetString(), StringComparison.Ordinal);
        var limit = await ProblemAsync(silo, "api/settlements/btc_usd?limit=0", HttpStatusCode.BadRequest);
        Assert.True(limit.GetProperty("errors").TryGetProperty("limit", out _));

        var notFound = await CliRun.RunAsync(silo.ClientSettings(), "settlements", "doge_usd");
        Assert.Equal(ExitCodes.NotFound, notFound.ExitCode);
        Assert.Contains("doge_usd", notFound.Error, StringComparison.Ordinal);
        var usage = await CliRun.RunAsync(silo.ClientSettings(), "settlements", "btc_usd", "--from", "2025-02-30");
        Assert.Equal(ExitCodes.Usage, usage.ExitCode);
        Assert.Contains("2025-02-30", usage.Error, StringComparison.Ordinal);
    }

    private static async Task<SettlementHistory> GetAsync(SiloApiHost silo, string path)
    {
        using var response = await silo.Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonSerializer.Deserialize<SettlementHistory>(body, LaevitasJson.Compact)!;
    }

    private static async Task<JsonElement> ProblemAsync(SiloApiHost silo, string path, HttpStatusCode status)
    {
        using var response = await silo.Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{path}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
