using System.CommandLine;
using Laevitas.Client.Cli;
using Laevitas.Export;
using Laevitas.Grains.Abstractions.Api;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Spectre.Console;

namespace Laevitas.Client.Commands;

/// <summary>
/// <c>laevitas export prices|trades --day D | --from --to [--format csv|parquet] [--output FILE]</c>: a time range of
/// a market-data table as a file, read straight from PostgreSQL — unlike <c>history</c>, not through the cluster. An
/// export is bulk: a day of ticks is hundreds of millions of rows, which through the cluster would be serialised
/// into grain messages over the gateway the live pipeline's calls share, taking a silo's CPU and dying with any silo
/// restart. Straight from the database it is one streamed query that the silos never see. The price is a database
/// address: <c>--postgres</c>, or <c>ConnectionStrings__Postgres</c>, else the silo's private PostgreSQL on this
/// machine (127.0.0.1:5433). Without database access, <c>GET /api/export</c> on a silo streams the same file.
/// </summary>
internal static class ExportCommand
{
    /// <summary>The private PostgreSQL a silo in local mode runs (README, "Where data goes").</summary>
    internal const string LocalPostgres = "Host=127.0.0.1;Port=5433;Username=postgres;Database=laevitas";

    public static Command Create(CliContext context)
    {
        var table = new Argument<string>("table") { Description = "prices (deribit_prices), trades (deribit_trades) or settlements (deribit_delivery_prices, selected by their 08:00 UTC settlement time)." };
        var day = new Option<string?>("--day") { Description = "A UTC day, 2026-12-01. Or give --from and --to." };
        var from = new Option<string?>("--from") { Description = "Start, exchange time (inclusive): ISO-8601 (no offset = UTC) or Unix ms." };
        var to = new Option<string?>("--to") { Description = "End, exchange time (exclusive): ISO-8601 or Unix ms." };
        var format = new Option<string>("--format", "-f") { Description = "csv or parquet.", DefaultValueFactory = _ => "csv" };
        var output = new Option<string?>("--output", "-o") { Description = "File to write; '-' for stdout. Default: <table>_<from>_<to>.<format> in the current directory." };
        var postgres = new Option<string?>("--postgres") { Description = $"Npgsql connection string. Default: ConnectionStrings__Postgres, else the local silo's private PostgreSQL ({LocalPostgres})." };
        var command = new Command("export", "Writes a day or a time range of stored prices or trades as CSV or Parquet, streamed straight from PostgreSQL. Exit code 5 when PostgreSQL is unreachable.")
        {
            table, day, from, to, format, output, postgres,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var errors = new RequestErrors();
            var request = ExportRequests.TryBuild(parse.GetValue(table), parse.GetValue(format), parse.GetValue(day), parse.GetValue(from), parse.GetValue(to), errors);
            var connectionString = parse.GetValue(postgres) ?? context.Configuration.GetConnectionString("Postgres");
            return RunAsync(context, request, errors, parse.GetValue(output), string.IsNullOrWhiteSpace(connectionString) ? LocalPostgres : connectionString, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ExportRequest? request, RequestErrors errors, string? output, string connectionString, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            await context.Error.WriteLineAsync(errors.ToString());
            return ExitCodes.Usage;
        }

        NpgsqlDataSource dataSource;
        try
        {
            dataSource = NpgsqlDataSource.Create(connectionString);
        }
        catch (ArgumentException ex)
        {
            // The value may hold a password: name the problem, not the string.
            await context.Error.WriteLineAsync($"--postgres / ConnectionStrings__Postgres is not a valid Npgsql connection string: {ex.Message}");
            return ExitCodes.Usage;
        }

        await using (dataSource)
        {
            var exporter = new TableExporter(dataSource);
            try
            {
                if (output == "-")
                {
                    await using var stdout = System.Console.OpenStandardOutput();
                    await exporter.ExportAsync(request, stdout, cancellationToken);
                    return ExitCodes.Ok;
                }

                var path = Path.GetFullPath(output ?? request.FileName);
                var rows = await ExportToFileAsync(exporter, request, path, cancellationToken);
                context.Console.MarkupLine($"{rows} row(s) of {request.Table.SqlName} written to [bold]{Markup.Escape(path)}[/]");
                return ExitCodes.Ok;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                await context.Error.WriteLineAsync($"Storage unavailable: PostgreSQL ({new NpgsqlConnectionStringBuilder(connectionString).Host}) could not export: {ex.Message}");
                return ExitCodes.StorageUnavailable;
            }
            catch (IOException ex)
            {
                await context.Error.WriteLineAsync($"Could not write the export: {ex.Message}");
                return ExitCodes.Error;
            }
        }
    }

    /// <summary>Writes beside the target and renames at the end: a failed or interrupted export leaves no file that looks whole.</summary>
    private static async Task<long> ExportToFileAsync(TableExporter exporter, ExportRequest request, string path, CancellationToken cancellationToken)
    {
        var partial = path + ".partial";
        try
        {
            long rows;
            await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                rows = await exporter.ExportAsync(request, file, cancellationToken);
            }

            File.Move(partial, path, overwrite: true);
            return rows;
        }
        finally
        {
            File.Delete(partial);
        }
    }
}
