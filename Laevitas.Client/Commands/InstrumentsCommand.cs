using System.CommandLine;
using Laevitas.Client.Cli;
using Laevitas.Client.Output;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.Instruments;
using Spectre.Console;

namespace Laevitas.Client.Commands;

/// <summary><c>laevitas instruments</c>: the instruments the cluster follows.</summary>
internal static class InstrumentsCommand
{
    public static Command Create(CliContext context, GlobalOptions global)
    {
        var currency = new Option<string?>("--currency", "-c") { Description = "Base currency, e.g. BTC, ETH." };
        var kind = new Option<string?>("--kind", "-k") { Description = $"One of {InstrumentKindNames.Allowed}." };
        var expiry = new Option<string?>("--expiry", "-e") { Description = "Expiry date (2024-12-27 or 27DEC24) or range FROM..TO (either end optional)." };
        var status = new Option<string?>("--status") { Description = $"One of {InstrumentStatusNames.Allowed} (default: all)." };
        var limit = new Option<int?>("--limit", "-n") { Description = $"At most this many (1..{InstrumentRequests.MaxListLimit})." };
        var command = new Command("instruments", "List the instruments the cluster follows, in name order.") { currency, kind, expiry, status, limit };
        command.SetAction((parse, cancellationToken) =>
        {
            var errors = new RequestErrors();
            var query = InstrumentRequests.TryBuildListQuery(
                parse.GetValue(currency), parse.GetValue(kind), parse.GetValue(expiry), parse.GetValue(status), parse.GetValue(limit), errors);
            return CommandRunner.RunAsync(context, global, parse, async (cluster, _) =>
            {
                var listings = await cluster.Client.GetGrain<IInstrumentRegistryGrain>(IInstrumentRegistryGrain.Key).ListAsync(query!);
                var list = InstrumentList.From(listings);
                return JsonOutput.Print(context, global, parse, list, Render);
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

    private static void Render(IAnsiConsole console, InstrumentList list)
    {
        if (list.Count == 0)
        {
            console.MarkupLine("[yellow]No instrument matches.[/]");
            return;
        }

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn(new TableColumn("Instrument").NoWrap()).AddColumn("Kind").AddColumn("Currency").AddColumn(new TableColumn("Expiry").NoWrap())
            .AddColumn(new TableColumn("Strike").RightAligned()).AddColumn("Type").AddColumn("Status");
        foreach (var i in list.Instruments)
        {
            table.AddRow(Fmt.Text(i.InstrumentName), Fmt.Text(i.Kind), Fmt.Text(i.Currency), Fmt.Text(i.Expiry),
                Fmt.Number(i.Strike), Fmt.Text(i.OptionType), i.Status == "active" ? "[green]active[/]" : Fmt.Text(i.Status));
        }

        table.Caption($"{list.Count} instrument(s)");
        console.Write(table);
    }
}
