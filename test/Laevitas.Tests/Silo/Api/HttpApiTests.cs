using Laevitas.Testing;
using System.Net;
using System.Text.Json;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Stats;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Silo.Api;

/// <summary>The silo's HTTP API against a live pipeline (simulator → feed → grains → Kafka), compared with grain state.</summary>
[Collection(ApiCollection.Name)]
public sealed class HttpApiTests(ApiEnvironment environment)
{
    [Fact]
    public async Task InstrumentsEndpointListsTheRegistryAndFilters()
    {
        var silo = await environment.SiloAsync();
        var listed = await ApiWait.AllListedAsync(environment, silo);

        using var response = await silo.Http.GetAsync("api/instruments");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var all = await ReadAsync<InstrumentList>(response);
        Assert.Equal(listed.Count, all.Count);
        Assert.Equal(listed.Select(l => l.InstrumentName), all.Instruments.Select(i => i.InstrumentName));
        Assert.Equal(listed.Select(InstrumentView.From), all.Instruments);

        // Stable camelCase names, nulls written.
        using var document = JsonDocument.Parse(await silo.Http.GetStringAsync("api/instruments?limit=1"));
        var first = document.RootElement.GetProperty("instruments")[0];
        Assert.Equal(
            ["instrumentName", "kind", "currency", "expiry", "strike", "optionType", "status", "listedAt"],
            first.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(1, document.RootElement.GetProperty("count").GetInt32());

        var registry = silo.Grains.GetGrain<IInstrumentRegistryGrain>(IInstrumentRegistryGrain.Key);
        var btcOptions = await registry.ListAsync(new InstrumentQuery { Currency = "BTC", Kind = InstrumentKind.Option });
        Assert.NotEmpty(btcOptions);
        var filtered = await GetAsync<InstrumentList>(silo, "api/instruments?currency=btc&kind=option");
        Assert.Equal(btcOptions.Select(l => l.InstrumentName), filtered.Instruments.Select(i => i.InstrumentName));
        Assert.All(filtered.Instruments, i => Assert.Equal(("BTC", "option"), (i.Currency, i.Kind)));

        var expiry = btcOptions[0].Expiry!.Value;
        var sameExpiry = await registry.ListAsync(new InstrumentQuery { ExpiryFrom = expiry, ExpiryTo = expiry });
        var byExpiry = await GetAsync<InstrumentList>(silo, $"api/instruments?expiry={expiry:yyyy-MM-dd}");
        Assert.Equal(sameExpiry.Select(l => l.InstrumentName), byExpiry.Instruments.Select(i => i.InstrumentName));
        var deribitStyle = expiry.ToString("dMMMyy", System.Globalization.CultureInfo.InvariantCulture).ToUpperInvariant();
        var byDeribitExpiry = await GetAsync<InstrumentList>(silo, $"api/instruments?expiry={deribitStyle}");
        Assert.Equal(byExpiry.Instruments, byDeribitExpiry.Instruments);
    }

    [Theory]
    [InlineData("api/instruments?kind=warrant", "kind", "kind 'warrant' is not one of option, future, perpetual")]
    [InlineData("api/instruments?expiry=tomorrow", "expiry", "expiry 'tomorrow' is not a date")]
    [InlineData("api/instruments?limit=abc", "limit", "limit 'abc' is not a whole number")]
    [InlineData("api/instruments?limit=0", "limit", "limit must be between 1 and 10000")]
    [InlineData("api/instruments/btc-perpetual", "name", "Names are upper case: did you mean BTC-PERPETUAL?")]
    [InlineData("api/instruments/BTC-NOT-A-NAME-X-Y", "name", "is not a Deribit instrument name")]
    [InlineData("api/instruments/BTC-PERPETUAL/history?from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z", "from", "must be before to")]
    [InlineData("api/instruments/BTC-PERPETUAL/history?from=2025-01-01T00:00:00Z&to=2025-03-01T00:00:00Z", "to", "at most 31 days per request")]
    [InlineData("api/instruments/BTC-PERPETUAL/history?from=1735689600&to=1735693200", "from", "Unix times are in milliseconds, not seconds")]
    [InlineData("api/instruments/BTC-PERPETUAL/history?from=yesterday", "from", "neither an ISO-8601 time")]
    [InlineData("api/instruments/BTC-PERPETUAL/history?limit=20000", "limit", "limit must be between 1 and 10000")]
    public async Task MalformedParametersGetAClearValidationProblem(string path, string parameter, string message)
    {
        var silo = await environment.SiloAsync();
        using var response = await silo.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(400, problem.RootElement.GetProperty("status").GetInt32());
        var errors = problem.RootElement.GetProperty("errors").GetProperty(parameter);
        Assert.Contains(errors.EnumerateArray(), e => e.GetString()!.Contains(message, StringComparison.Ordinal));
        Assert.Contains(message, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InstrumentEndpointReturnsTheGrainsLatestTickerOr404()
    {
        var silo = await environment.SiloAsync();
        var name = await ApiWait.InstrumentWithTicksAsync(environment, silo, InstrumentKind.Option);
        var grain = silo.Grains.GetGrain<IInstrumentGrain>(name);
        var before = await grain.GetSnapshotAsync();

        using var response = await silo.Http.GetAsync($"api/instruments/{name}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        var after = await grain.GetSnapshotAsync();
        var view = JsonSerializer.Deserialize<InstrumentDetailView>(body, LaevitasJson.Compact)!;

        var expected = InstrumentDetailView.From(before);
        Assert.Equal(name, view.InstrumentName);
        Assert.Equal((expected.Kind, expected.Currency, expected.Expiry, expected.ExpiresAt, expected.Strike, expected.OptionType, expected.Status),
            (view.Kind, view.Currency, view.Expiry, view.ExpiresAt, view.Strike, view.OptionType, view.Status));
        Assert.Equal(before.Info, view.Info);
        Assert.InRange(view.TicksSeen, before.TicksSeen, after.TicksSeen);
        Assert.InRange(view.LastTickTimestamp!.Value, before.LastTickTimestamp!.Value, after.LastTickTimestamp!.Value);

        // The ticker is the exchange's data object as received.
        var ticker = view.Ticker!.Value;
        Assert.Equal(name, ticker.GetProperty("instrument_name").GetString());
        Assert.Equal(view.LastTickTimestamp, ticker.GetProperty("timestamp").GetInt64());
        Assert.True(ticker.GetProperty("mark_price").GetDouble() > 0);

        using var missing = await silo.Http.GetAsync("api/instruments/BTC-1JAN99-1-C");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await missing.Content.ReadAsStringAsync());
        Assert.Equal("Instrument not found", problem.RootElement.GetProperty("title").GetString());
        Assert.Contains("BTC-1JAN99-1-C", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatsEndpointReportsSiloGrainsAndPipeline()
    {
        var silo = await environment.SiloAsync();
        await ApiWait.InstrumentWithTicksAsync(environment, silo, InstrumentKind.Option);

        ClusterStats? stats = null;
        await Eventually.TrueAsync(async () =>
            {
                stats = await GetAsync<ClusterStats>(silo, "api/stats");
                return stats.Pipeline is { ReportingSilos: 1, TicksInPerSecond: > 0, PublishedPerSecond: > 0, RowsWrittenPerSecond: > 0, KafkaLag: not null };
            },
            ApiWait.Timeout, "the pipeline stats to show ticks flowing", () => JsonSerializer.Serialize(stats?.Pipeline));

        var silos = Assert.Single(stats!.Silos);
        Assert.Equal(silo.SiloAddress, silos.Address);
        Assert.Equal("Active", silos.Status);
        Assert.True(stats.Pipeline.FeedConnected);
        Assert.True(stats.Pipeline.DatabaseAvailable);
        // The silo runs the feed, so it reports its dispatch; nothing was shed at this rate.
        Assert.Equal(0, stats.Pipeline.DispatchDropped);
        Assert.Equal(0, stats.Pipeline.KafkaExpired);
        Assert.InRange(stats.Pipeline.DispatchPending!.Value, 0, stats.Pipeline.TicksReceived!.Value);
        Assert.InRange(stats.Pipeline.KafkaLag!.Value, 0, stats.Pipeline.Published!.Value);
        Assert.InRange(stats.Pipeline.RowsWritten!.Value, 1, stats.Pipeline.Published!.Value);
        Assert.Equal(silo.Feed.InstrumentsFollowed, stats.Pipeline.InstrumentsFollowed);
        Assert.InRange(stats.Pipeline.TicksReceived!.Value, 1, silo.Feed.TicksReceived);
        var instrumentGrains = Assert.Single(stats.GrainTypes, g => g.GrainType.StartsWith("Laevitas.Grains.Instruments.InstrumentGrain,", StringComparison.Ordinal));
        // Each name a test of this collection looks up activates its grain, followed or not (the 404 and history cases
        // ask for BTC-1JAN99-1-C, the client tests for others), and which of them ran first depends on xUnit's order.
        // A handful above what the feed follows is that; a count of some other grain type would be far off.
        const int NamesLookedUpOutsideTheFeed = 10;
        Assert.InRange(instrumentGrains.Activations, 1, silo.Feed.InstrumentsFollowed + NamesLookedUpOutsideTheFeed);
        Assert.Equal(stats.GrainTypes.Sum(g => g.Activations), stats.ActiveGrains);
        Assert.Equal(silo.SiloAddress, Assert.Single(stats.PipelineBySilo).Silo);
    }

    [Fact]
    public async Task OpenApiDescribesTheEndpoints()
    {
        var silo = await environment.SiloAsync();
        using var document = JsonDocument.Parse(await silo.Http.GetStringAsync("openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");
        foreach (var path in new[] { "/api/instruments", "/api/instruments/{name}", "/api/instruments/{name}/history", "/api/stats" })
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"OpenAPI lacks {path}");
            Assert.True(item.TryGetProperty("get", out _));
        }

        var history = paths.GetProperty("/api/instruments/{name}/history").GetProperty("get");
        Assert.Equal(new string?[] { "name", "from", "to", "limit" }, history.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToArray());
        Assert.False(paths.TryGetProperty("/metrics", out _));
    }

    private static async Task<T> GetAsync<T>(SiloApiHost silo, string path)
    {
        using var response = await silo.Http.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await ReadAsync<T>(response);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response) =>
        JsonSerializer.Deserialize<T>(await response.Content.ReadAsStringAsync(), LaevitasJson.Compact)!;
}
