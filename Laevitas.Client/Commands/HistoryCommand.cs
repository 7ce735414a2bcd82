using System.CommandLine;
using Laevitas.Client.Cli;
using Laevitas.Client.Output;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.History;
using Spectre.Console;

namespace Laevitas.Client.Commands;

/// <summary>
/// <c>laevitas history NAME --from --to</c>: stored ticks from PostgreSQL. Read through the cluster
/// (<see cref="IPriceHistoryGrain"/>), not with a database connection of the client's own: the client then needs only
/// the gateway it already uses — no database address or credentials on the user's machine, and it works when the silo
/// runs its private PostgreSQL, whose address only the silo knows.
/// </summary>
internal static class HistoryCommand
{
    public static Command Create(CliContext context, GlobalOptions global) =>
        RangeQueryCommand.Create(
            context, global, "history",
            $"Stored ticks of an instrument in an exchange-time range (at most {HistoryRequests.MaxRange.TotalDays:0} days), oldest first. Exit code 5 when PostgreSQL is unreachable.",
            $"At most this many rows (1..{HistoryRequests.MaxLimit}, default {HistoryRequests.DefaultLimit}).",
            (grain, query) => grain.GetHistoryAsync(query),
            Render);

    private static void Render(IAnsiConsole console, PriceHistory history)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn(new TableColumn("Exchange time").NoWrap())
            .AddColumn(new TableColumn("Mark").RightAligned()).AddColumn(new TableColumn("Bid").RightAligned())
            .AddColumn(new TableColumn("Ask").RightAligned()).AddColumn(new TableColumn("Last").RightAligned())
            .AddColumn(new TableColumn("Mark IV").RightAligned()).AddColumn(new TableColumn("Underlying").RightAligned())
            .AddColumn(new TableColumn("Open interest").RightAligned());
        foreach (var r in history.Rows)
        {
            table.AddRow(Fmt.Time(r.Time), Fmt.Number(r.MarkPrice), Fmt.Number(r.BestBidPrice), Fmt.Number(r.BestAskPrice),
                Fmt.Number(r.LastPrice), Fmt.Number(r.MarkIv), Fmt.Number(r.UnderlyingPrice ?? r.IndexPrice), Fmt.Number(r.OpenInterest));
        }

        table.Caption($"{Markup.Escape(history.InstrumentName)}: {history.Count} row(s) from {Fmt.Time(history.From)} to {Fmt.Time(history.To)}");
        console.Write(table);
        if (history.Truncated)
        {
            // On its own line, unwrapped, so it can be copied.
            console.MarkupLine($"[yellow]More rows match: continue with --from {history.NextFrom?.ToUnixTimeMilliseconds()}[/]");
        }
    }
}
