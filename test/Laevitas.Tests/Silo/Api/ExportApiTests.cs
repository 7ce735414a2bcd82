using System.Net;
using System.Text.Json;
using Laevitas.Export;
using Laevitas.Tests.Infrastructure;
using Npgsql;

namespace Laevitas.Tests.Silo.Api;

/// <summary><c>/api/export</c> on a silo wired like Program.cs: the files it streams, and problem+json for bad input.</summary>
[Collection(ApiCollection.Name)]
public sealed class ExportApiTests(ApiEnvironment environment) : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("laevitas-export-api").FullName;

    [Fact]
    public async Task ADayOfPricesComesAsAStreamedParquetFileHoldingTheTable()
    {
        var silo = await environment.SiloAsync();
        await using var dataSource = NpgsqlDataSource.Create(environment.ConnectionString);
        await ExportTables.SeedAsync(dataSource);

        using var response = await silo.Http.GetAsync("api/export?table=prices&day=2026-11-30&format=parquet", HttpCompletionOption.ResponseHeadersRead);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/vnd.apache.parquet", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("deribit_prices_20261130T000000Z_20261201T000000Z.parquet", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        var path = Path.Combine(directory, "prices.parquet");
        await using (var file = File.Create(path))
        {
            await response.Content.CopyToAsync(file);
        }

        var expected = await ExportTables.ReadDayAsync(dataSource, ExportTable.Prices);
        Assert.Equal(7, expected.Rows.Count);
        await ParquetFiles.AssertHoldsAsync(path, expected);
    }

    [Fact]
    public async Task ARangeOfTradesComesAsCsv()
    {
        var silo = await environment.SiloAsync();
        await using var dataSource = NpgsqlDataSource.Create(environment.ConnectionString);
        await ExportTables.SeedAsync(dataSource);

        using var response = await silo.Http.GetAsync("api/export?table=trades&from=2026-11-30T00:00:00Z&to=2026-11-30T00:02:00Z");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("currency,trade_id,instrument_name,timestamp,", lines[0], StringComparison.Ordinal);
        Assert.Equal(["BTC-1000", "BTC-1001"], lines.Skip(1).Select(line => line.Split(',')[1]).Order(StringComparer.Ordinal).ToArray());
    }

    [Theory]
    [InlineData("table=prices&from=2026-11-30T02:00:00Z&to=2026-11-30T01:00:00Z", "to", "reversed")]
    [InlineData("table=prices&day=2026-11-30&format=xlsx", "format", "xlsx")]
    [InlineData("table=orders&day=2026-11-30", "table", "orders")]
    [InlineData("table=prices&day=2026-11-30&from=1", "day", "exclude")]
    [InlineData("table=prices&day=yesterday", "day", "yesterday")]
    [InlineData("table=prices&from=2026-11-30T00:00:00Z", "to", "both from and to")]
    public async Task BadParametersAreAProblemSayingWhich(string query, string parameter, string saying)
    {
        var silo = await environment.SiloAsync();

        using var response = await silo.Http.GetAsync("api/export?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var messages = problem.RootElement.GetProperty("errors").GetProperty(parameter).EnumerateArray().Select(m => m.GetString()!).ToArray();
        Assert.Contains(messages, m => m.Contains(saying, StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
