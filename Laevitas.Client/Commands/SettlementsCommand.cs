using System.CommandLine;
using System.Globalization;
using Laevitas.Client.Cli;
using Laevitas.Client.Output;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.History;
using Laevitas.Grains.Abstractions.Settlements;
using Spectre.Console;

namespace Laevitas.Client.Commands;

/// <summary>
/// <c>laevitas settlements INDEX --from --to</c>: stored delivery prices of a Deribit index (<c>deribit_delivery_prices</c>),
/// read through the cluster (<see cref="IPriceHistoryGrain"/>) with the HTTP API's parameters and checks.
/// </summary>
internal static class SettlementsCommand
{
    public static Command Create(CliContext context, GlobalOptions global)
    {
        var index = new Argument<string>("index") { Description = "Deribit index name: btc_usd, eth_usd, sol_usdc, …" };
        var from = new Option<string?>("--from") { Description = "First delivery date, yyyy-MM-dd (inclusive). Default: 2010-01-01." };
        var to = new Option<string?>("--to") { Description = "Last delivery date, yyyy-MM-dd (inclusive). Default: today (UTC)." };
        var limit = new Option<int?>("--limit", "-n") { Description = $"At most this many dates (1..{SettlementRequests.MaxLimit}, default {SettlementRequests.DefaultLimit})." };
        var command = new Command("settlements", "Stored delivery prices (08:00 UTC settlements) of a Deribit index, oldest first. Exit code 3 when none of the index is stored, 5 when PostgreSQL is unreachable.")
        {
            index, from, to, limit,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var errors = new RequestErrors();
            var built = SettlementRequests.TryBuild(parse.GetValue(index), parse.GetValue(from), parse.GetValue(to), parse.GetValue(limit),
                DateOnly.FromDateTime(context.Time.GetUtcNow().UtcDateTime), errors);
            return CommandRunner.RunAsync(context, global, parse, async (cluster, _) =>
            {
                var answer = await cluster.Client.GetGrain<IPriceHistoryGrain>(0).GetSettlementsAsync(built!);
                if (!answer.IndexKnown)
                {
                    var stored = answer.StoredIndexes.Count == 0 ? "none yet" : string.Join(", ", answer.StoredIndexes);
                    throw new CliException(ExitCodes.NotFound, $"No delivery price of '{answer.IndexName}' is stored. Stored indexes: {stored}.");
                }

                return JsonOutput.Print(context, global, parse, answer, Render);
            }, () =>
            {
                if (built is null)
                {
                    throw new CliException(ExitCodes.Usage, errors.ToString());
                }
            }, cancellationToken);
        });
        return command;
    }

    private static void Render(IAnsiConsole console, SettlementHistory history)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn(new TableColumn("Delivery date").NoWrap()).AddColumn(new TableColumn("Delivery price").RightAligned());
        foreach (var s in history.Settlements)
        {
            table.AddRow(SettlementRequests.Format(s.Date), s.DeliveryPrice.ToString("#,0.########", CultureInfo.InvariantCulture));
        }

        table.Caption($"{Markup.Escape(history.IndexName)}: {history.Count} settlement(s) from {SettlementRequests.Format(history.From)} to {SettlementRequests.Format(history.To)}");
        console.Write(table);
        if (history.Truncated && history.NextFrom is { } next)
        {
            console.MarkupLine($"[yellow]More settlements match: continue with --from {SettlementRequests.Format(next)}[/]");
        }
    }
}
