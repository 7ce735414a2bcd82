using System.CommandLine;
using Laevitas.Client.Cli;
using Laevitas.Client.Output;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.History;
using Laevitas.Grains.Abstractions.Trades;
using Spectre.Console;

namespace Laevitas.Client.Commands;

/// <summary>
/// <c>laevitas trades NAME --from --to</c>: stored trades from PostgreSQL, read through the cluster like
/// <c>history</c> (<see cref="IPriceHistoryGrain"/>) and with the same options, paging and exit codes.
/// </summary>
internal static class TradesCommand
{
    public static Command Create(CliContext context, GlobalOptions global)
    {
        var name = new Argument<string>("name") { Description = "Instrument name." };
        var from = new Option<string?>("--from") { Description = "Start, exchange time (inclusive): ISO-8601 (2024-12-27T08:00:00Z; no offset = UTC) or Unix ms. Default: 'to' minus 1 hour." };
        var to = new Option<string?>("--to") { Description = "End, exchange time (exclusive): ISO-8601 or Unix ms. Default: now." };
        var limit = new Option<int?>("--limit", "-n") { Description = $"At most this many trades (1..{HistoryRequests.MaxLimit}, default {HistoryRequests.DefaultLimit}); a page never ends inside a millisecond." };
        var command = new Command("trades", $"Stored trades of an instrument in an exchange-time range (at most {HistoryRequests.MaxRange.TotalDays:0} days), oldest first. Exit code 5 when PostgreSQL is unreachable.")
        {
            name, from, to, limit,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var errors = new RequestErrors();
            var query = HistoryRequests.TryBuild(parse.GetValue(name), parse.GetValue(from), parse.GetValue(to), parse.GetValue(limit), context.Time.GetUtcNow(), errors);
            return CommandRunner.RunAsync(context, global, parse, async (cluster, _) =>
            {
                var history = await cluster.Client.GetGrain<IPriceHistoryGrain>(0).GetTradesAsync(query!);
                if (parse.GetValue(global.Json))
                {
                    JsonOutput.Write(context.Output, history);
                }
                else
                {
                    Render(context.Console, history);
                }

                return ExitCodes.Ok;
            }, () =>
            {
                if (query is null)
                {
                    throw new CliException(ExitCodes.Usage, errors.ToString());
                }
            }, cancellationToken);
        });
        return command;
    }

    private static void Render(IAnsiConsole console, TradeHistory history)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn(new TableColumn("Exchange time").NoWrap()).AddColumn("Trade id").AddColumn("Side")
            .AddColumn(new TableColumn("Price").RightAligned()).AddColumn(new TableColumn("Amount").RightAligned())
            .AddColumn(new TableColumn("IV").RightAligned()).AddColumn(new TableColumn("Index").RightAligned())
            .AddColumn(new TableColumn("Mark").RightAligned()).AddColumn("Liquidation").AddColumn("Block trade").AddColumn("Combo");
        foreach (var t in history.Trades)
        {
            table.AddRow(Fmt.Time(t.Time), Markup.Escape(t.TradeId), Markup.Escape(t.Direction ?? ""), Fmt.Number(t.Price), Fmt.Number(t.Amount),
                Fmt.Number(t.Iv), Fmt.Number(t.IndexPrice), Fmt.Number(t.MarkPrice), Markup.Escape(t.Liquidation ?? ""),
                Markup.Escape(t.BlockTradeId ?? ""), Markup.Escape(t.ComboId ?? ""));
        }

        table.Caption($"{Markup.Escape(history.InstrumentName)}: {history.Count} trade(s) from {Fmt.Time(history.From)} to {Fmt.Time(history.To)}");
        console.Write(table);
        if (history.Truncated)
        {
            console.MarkupLine($"[yellow]More trades match: continue with --from {history.NextFrom?.ToUnixTimeMilliseconds()}[/]");
        }
    }
}
