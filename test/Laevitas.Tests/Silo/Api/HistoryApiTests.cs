using System.Net;
using System.Text.Json;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.History;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Silo.Api;

/// <summary><c>/api/instruments/{name}/history</c> against rows the real tick writer stored.</summary>
[Collection(ApiCollection.Name)]
public sealed class HistoryApiTests(ApiEnvironment environment)
{
    [Fact]
    public async Task HistoryReturnsTheStoredRowsOfTheRangeAndPages()
    {
        var silo = await environment.SiloAsync();
        var name = await StoredTicks.InstrumentWithRowsAsync(environment.ConnectionString, 5);
        var stored = await StoredTicks.ReadAsync(environment.ConnectionString, name, 0, long.MaxValue);
        var from = stored[0].Timestamp;
        var to = stored[^1].Timestamp + 1;
        var expected = await StoredTicks.ReadAsync(environment.ConnectionString, name, from, to);

        // from as Unix ms, to as ISO-8601.
        var toIso = DateTimeOffset.FromUnixTimeMilliseconds(to).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var all = await GetAsync(silo, $"api/instruments/{name}/history?from={from}&to={toIso}&limit=10000");
        Assert.Equal(name, all.InstrumentName);
        Assert.Equal((from, to), (all.From.ToUnixTimeMilliseconds(), all.To.ToUnixTimeMilliseconds()));
        Assert.False(all.Truncated);
        Assert.Null(all.NextFrom);
        Assert.Equal(expected, all.Rows.Select(r => (r.Timestamp, r.MarkPrice)).ToList());
        Assert.All(all.Rows, r => Assert.Equal(name, r.InstrumentName));
        Assert.All(all.Rows, r => Assert.NotNull(r.ReceivedAt));

        // Paging: two rows, then on from where the first page stopped.
        var page = await GetAsync(silo, $"api/instruments/{name}/history?from={from}&to={to}&limit=2");
        Assert.True(page.Truncated);
        Assert.Equal(expected.Take(2).Select(e => e.Timestamp), page.Rows.Select(r => r.Timestamp));
        Assert.Equal(expected[2].Timestamp, page.NextFrom!.Value.ToUnixTimeMilliseconds());
        var next = await GetAsync(silo, $"api/instruments/{name}/history?from={page.NextFrom.Value.ToUnixTimeMilliseconds()}&to={to}&limit=2");
        Assert.Equal(expected.Skip(2).Take(2).Select(e => e.Timestamp), next.Rows.Select(r => r.Timestamp));

        // JSON property names follow the columns, camelCase.
        using var document = JsonDocument.Parse(await silo.Http.GetStringAsync($"api/instruments/{name}/history?from={from}&to={to}&limit=1"));
        var row = document.RootElement.GetProperty("rows")[0];
        foreach (var property in new[] { "instrumentName", "timestamp", "time", "receivedAt", "markPrice", "bestBidPrice", "bestAskPrice", "underlyingPrice", "statsVolume" })
        {
            Assert.True(row.TryGetProperty(property, out _), $"row lacks {property}");
        }

        Assert.Equal(1, document.RootElement.GetProperty("count").GetInt32());

        // A valid name with nothing stored is an empty history, not an error.
        var nothing = await GetAsync(silo, $"api/instruments/BTC-1JAN99-1-C/history?from={from}&to={to}");
        Assert.Empty(nothing.Rows);
    }

    private static async Task<PriceHistory> GetAsync(SiloApiHost silo, string path)
    {
        using var response = await silo.Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<PriceHistory>(body, LaevitasJson.Compact)!;
    }
}
