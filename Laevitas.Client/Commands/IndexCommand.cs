using System.CommandLine;
using Laevitas.Client.Cli;
using Laevitas.Client.Output;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.History;
using Laevitas.Grains.Abstractions.Indexes;
using Laevitas.Grains.Abstractions.Settlements;
using Spectre.Console;

namespace Laevitas.Client.Commands;

/// <summary>
/// <c>laevitas index INDEX</c>: the latest price index, DVOL and estimated expiration price of a Deribit index, from its
/// grain (<see cref="IIndexGrain"/>); with <c>--history</c> the stored values (<c>deribit_index_values</c>) read through
/// the cluster (<see cref="IPriceHistoryGrain"/>) with the HTTP API's parameters, checks and paging.
/// </summary>
internal static class IndexCommand
{
    public static Command Create(CliContext context, GlobalOptions global)
    {
        var index = new Argument<string>("index") { Description = "Deribit index name: btc_usd, eth_usd, sol_usdc, …" };
        var history = new Option<bool>("--history") { Description = "Stored values instead of the latest ones." };
        var kind = new Option<string?>("--kind") { Description = "With --history: price, volatility or estimated_expiration. Default: all." };
        var from = new Option<string?>("--from") { Description = "With --history: start, ISO-8601 or Unix ms (inclusive). Default: 'to' minus 1 hour." };
        var to = new Option<string?>("--to") { Description = "With --history: end, ISO-8601 or Unix ms (exclusive). Default: now." };
        var limit = new Option<int?>("--limit", "-n") { Description = $"With --history: at most this many values (1..{HistoryRequests.MaxLimit}, default {HistoryRequests.DefaultLimit})." };
        var command = new Command("index", "Latest price index, DVOL (btc_usd, eth_usd) and estimated expiration price of a Deribit index, or with --history their stored values, oldest first. " +
                                           "Exit code 3 when the cluster has no value of the index, 5 when PostgreSQL is unreachable.")
        {
            index, history, kind, from, to, limit,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var errors = new RequestErrors();
            var name = parse.GetValue(index);
            IndexHistoryQuery? query = null;
            if (parse.GetValue(history))
            {
                query = IndexRequests.TryBuild(name, parse.GetValue(kind), parse.GetValue(from), parse.GetValue(to), parse.GetValue(limit),
                    context.Time.GetUtcNow(), errors);
            }
            else if (SettlementRequests.ValidateIndexName(name) is { } nameError)
            {
                errors.Add("index", nameError);
            }

            return CommandRunner.RunAsync(context, global, parse, async (cluster, _) =>
            {
                if (query is not null)
                {
                    var answer = await cluster.Client.GetGrain<IPriceHistoryGrain>(0).GetIndexHistoryAsync(query);
                    return JsonOutput.Print(context, global, parse, answer, RenderHistory);
                }

                var snapshot = await cluster.Client.GetGrain<IIndexGrain>(name!).GetSnapshotAsync();
                if (snapshot.IsEmpty)
                {
                    throw new CliException(ExitCodes.NotFound, $"The cluster has no value of '{name}' (the feed follows the indexes of Deribit:Currencies).");
                }

                return JsonOutput.Print(context, global, parse, IndexView.From(snapshot), RenderLatest);
            }, () =>
            {
                if (!errors.IsEmpty)
                {
                    throw new CliException(ExitCodes.Usage, errors.ToString());
                }
            }, cancellationToken);
        });
        return command;
    }

    private static void RenderLatest(IAnsiConsole console, IndexView view)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("Channel").AddColumn(new TableColumn("Value").RightAligned()).AddColumn(new TableColumn("Time").NoWrap())
            .AddColumn(new TableColumn("Seconds to expiry").RightAligned()).AddColumn("Estimated");
        Add(table, "price index", view.Price);
        Add(table, "DVOL", view.Volatility);
        Add(table, "estimated expiration price", view.EstimatedExpiration);
        table.Caption($"{Markup.Escape(view.IndexName)}: {view.ValuesAccepted} value(s) since activation, {view.PendingWrites} not yet written");
        console.Write(table);
    }

    private static void Add(Table table, string channel, IndexLatest? latest)
    {
        if (latest is null)
        {
            table.AddRow(channel, "-", "-", "", "");
            return;
        }

        table.AddRow(channel, Fmt.Number(latest.Value), Fmt.Time(latest.Time), latest.Seconds?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
            latest.IsEstimated is { } estimated ? (estimated ? "yes" : "no") : "");
    }

    private static void RenderHistory(IAnsiConsole console, IndexHistory history)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn(new TableColumn("Time").NoWrap()).AddColumn("Kind").AddColumn(new TableColumn("Value").RightAligned())
            .AddColumn(new TableColumn("Seconds to expiry").RightAligned()).AddColumn("Estimated");
        foreach (var row in history.Values)
        {
            table.AddRow(Fmt.Time(row.Time), row.Kind, Fmt.Number(row.Value), row.Seconds?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
                row.IsEstimated is { } estimated ? (estimated ? "yes" : "no") : "");
        }

        table.Caption($"{Markup.Escape(history.IndexName)}: {history.Count} value(s) from {Fmt.Time(history.From)} to {Fmt.Time(history.To)}");
        console.Write(table);
        if (history.Truncated)
        {
            console.MarkupLine($"[yellow]More values match: continue with --from {history.NextFrom?.ToUnixTimeMilliseconds()}[/]");
        }
    }
}
