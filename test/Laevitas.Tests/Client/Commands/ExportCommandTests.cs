using Laevitas.Client.Cli;
using Laevitas.Export;
using Laevitas.Tests.Infrastructure;
using Npgsql;

namespace Laevitas.Tests.Client.Commands;

/// <summary><c>laevitas export</c>, straight to PostgreSQL: the file it writes, its usage errors, an unreachable database.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ExportCommandTests(PostgresFixture postgres) : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("laevitas-export-cli").FullName;

    [Fact]
    public async Task ExportWritesTheDayAsParquetAndLeavesNoPartialFile()
    {
        await using var dataSource = await ExportTables.CreateAsync(postgres, "export_cli");
        var path = Path.Combine(directory, "prices.parquet");

        var run = await CliRun.RunAsync(new Dictionary<string, string?>(),
            "export", "prices", "--day", "2026-11-30", "--format", "parquet", "-o", path, "--postgres", dataSource.ConnectionString);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Contains("7 row(s) of deribit_prices written to", run.Console, StringComparison.Ordinal);
        await ParquetFiles.AssertHoldsAsync(path, await ExportTables.ReadDayAsync(dataSource, ExportTable.Prices));
        Assert.Equal(["prices.parquet"], Directory.GetFiles(directory).Select(file => Path.GetFileName(file)).ToArray());
    }

    [Fact]
    public async Task TheConnectionStringComesFromTheEnvironmentsConfigurationToo()
    {
        await using var dataSource = await ExportTables.CreateAsync(postgres, "export_cli_config");
        var path = Path.Combine(directory, "trades.csv");

        var run = await CliRun.RunAsync(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = dataSource.ConnectionString },
            "export", "trades", "--from", "2026-11-30T00:00:00Z", "--to", "2026-11-30T00:02:00Z", "-o", path);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var lines = File.ReadAllLines(path);
        Assert.StartsWith("currency,trade_id,instrument_name,timestamp,", lines[0], StringComparison.Ordinal);
        Assert.Equal(["BTC-1000", "BTC-1001"], lines.Skip(1).Select(line => line.Split(',')[1]).Order(StringComparer.Ordinal).ToArray());
    }

    [Theory]
    [InlineData("to", "export", "prices", "--from", "2026-11-30T02:00:00Z", "--to", "2026-11-30T01:00:00Z")]
    [InlineData("format", "export", "prices", "--day", "2026-11-30", "--format", "xlsx")]
    [InlineData("table", "export", "orders", "--day", "2026-11-30")]
    [InlineData("day", "export", "prices", "--day", "30/11/2026")]
    [InlineData("day", "export", "prices", "--day", "2026-11-30", "--from", "2026-11-30T00:00:00Z")]
    [InlineData("from", "export", "prices")]
    public async Task BadArgumentsAreAUsageErrorNamingTheParameter(string parameter, params string[] args)
    {
        var run = await CliRun.RunAsync(new Dictionary<string, string?>(), args);

        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Contains(parameter, run.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(directory));
    }

    [Fact]
    public async Task AnUnreachableDatabaseIsExitCodeFiveAndNoFile()
    {
        var path = Path.Combine(directory, "nothing.csv");
        var closed = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Laevitas.Testing.FreePorts.Take(1)[0], Username = "postgres", Timeout = 3 };

        var run = await CliRun.RunAsync(new Dictionary<string, string?>(), "export", "prices", "--day", "2026-11-30", "-o", path, "--postgres", closed.ConnectionString);

        Assert.True(run.ExitCode == ExitCodes.StorageUnavailable, run.ToString());
        Assert.Contains("Storage unavailable", run.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(directory));
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
