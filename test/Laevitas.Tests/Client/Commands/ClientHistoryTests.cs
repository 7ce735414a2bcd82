using System.Text.Json;
using Laevitas.Client.Cli;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.History;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Client.Commands;

/// <summary><c>laevitas history</c>: rows the writer stored, read through the cluster; exit code 5 while PostgreSQL is down.</summary>
[Collection(ApiCollection.Name)]
public sealed class ClientHistoryTests(ApiEnvironment environment)
{
    [Fact]
    public async Task HistoryJsonMatchesTheStoredRows()
    {
        var silo = await environment.SiloAsync();
        var name = await StoredTicks.InstrumentWithRowsAsync(environment.ConnectionString, 3);
        // At most one page (the default limit, 1000): the shared silo keeps streaming, and on a slow run an instrument
        // can hold more rows than that by now; the window below ends at the last of these rows.
        var stored = (await StoredTicks.ReadAsync(environment.ConnectionString, name, 0, long.MaxValue)).Take(500).ToList();
        var from = DateTimeOffset.FromUnixTimeMilliseconds(stored[0].Timestamp);
        var to = stored[^1].Timestamp + 1;

        var run = await CliRun.RunAsync(silo.ClientSettings(), "history", name, "--from", from.ToString("O"), "--to", to.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var history = JsonSerializer.Deserialize<PriceHistory>(run.Output, LaevitasJson.Compact)!;
        Assert.Equal(stored, history.Rows.Select(r => (r.Timestamp, r.MarkPrice)).ToList());

        // The same document the HTTP API returns for the same query.
        var api = await silo.Http.GetStringAsync($"api/instruments/{name}/history?from={stored[0].Timestamp}&to={to}");
        Assert.Equal(JsonSerializer.Serialize(JsonSerializer.Deserialize<JsonElement>(api)), JsonSerializer.Serialize(JsonSerializer.Deserialize<JsonElement>(run.Output)));

        var table = await CliRun.RunAsync(silo.ClientSettings(), "history", name, "--from", stored[0].Timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture), "--to", to.ToString(System.Globalization.CultureInfo.InvariantCulture), "--limit", "2");
        Assert.True(table.ExitCode == ExitCodes.Ok, table.ToString());
        Assert.Contains($"{name}: 2 row(s)", table.Console, StringComparison.Ordinal);
        Assert.Contains($"More rows match: continue with --from {stored[2].Timestamp}", table.Console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HistoryExitsWithStorageCodeWhilePostgresIsDown()
    {
        var silo = await environment.SiloAsync();
        var bad = await CliRun.RunAsync(silo.ClientSettings(), "history", "BTC-PERPETUAL", "--from", "2025-01-02", "--to", "2025-01-01");
        Assert.Equal(ExitCodes.Usage, bad.ExitCode);
        Assert.Contains("must be before to", bad.Error, StringComparison.Ordinal);

        await environment.Postgres.StopAsync();
        try
        {
            var run = await CliRun.RunAsync(silo.ClientSettings(), "history", "BTC-PERPETUAL", "--json");
            Assert.True(run.ExitCode == ExitCodes.StorageUnavailable, run.ToString());
            Assert.StartsWith("Storage unavailable: PostgreSQL could not answer", run.Error, StringComparison.Ordinal);
            Assert.Empty(run.Output);
        }
        finally
        {
            await environment.Postgres.StartAsync();
        }
    }
}
