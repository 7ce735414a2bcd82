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
    public static Command Create(CliContext context, GlobalOptions global) =>
        RangeQueryCommand.Create(
            context, global, "trades",
            $"Stored trades of an instrument in an exchange-time range (at most {HistoryRequests.MaxRange.TotalDays:0} days), oldest first. Exit code 5 when PostgreSQL is unreachable.",
            $"At most this many trades (1..{HistoryRequests.MaxLimit}, default {HistoryRequests.DefaultLimit}); a page never ends inside a millisecond.",
            (grain, query) => grain.GetTradesAsync(query),
            Render);

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
