using System.CommandLine;
using Laevitas.Client.Cli;
using Laevitas.Client.Output;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.Instruments;
using Spectre.Console;

namespace Laevitas.Client.Commands;

/// <summary><c>laevitas show NAME</c>: one instrument's latest ticker and counters.</summary>
internal static class ShowCommand
{
    public static Command Create(CliContext context, GlobalOptions global)
    {
        var name = new Argument<string>("name") { Description = "Instrument name, e.g. BTC-27DEC24-100000-C or BTC-PERPETUAL." };
        var command = new Command("show", "Show an instrument's latest ticker and counters. Exit code 3 when the cluster does not know it.") { name };
        command.SetAction((parse, cancellationToken) =>
        {
            var instrument = parse.GetValue(name)!;
            return CommandRunner.RunAsync(context, global, parse, async (cluster, _) =>
            {
                var snapshot = await cluster.Client.GetGrain<IInstrumentGrain>(instrument).GetSnapshotAsync();
                if (!InstrumentDetailView.IsKnown(snapshot))
                {
                    throw new CliException(ExitCodes.NotFound, $"Instrument '{instrument}' is not known to the cluster (no listing, no ticks). 'laevitas instruments' lists the ones followed.");
                }

                var view = InstrumentDetailView.From(snapshot);
                return JsonOutput.Print(context, global, parse, view, Render);
            }, () => ValidateName(instrument), cancellationToken);
        });
        return command;
    }

    internal static void ValidateName(string? name)
    {
        if (InstrumentRequests.ValidateName(name) is { } error)
        {
            throw new CliException(ExitCodes.Usage, error);
        }
    }

    private static void Render(IAnsiConsole console, InstrumentDetailView v)
    {
        var facts = new Grid().AddColumn().AddColumn();
        void Row(string label, string value) => facts.AddRow($"[grey]{label}[/]", value);
        Row("Kind", Fmt.Text(v.Kind));
        Row("Currency", Fmt.Text(v.QuoteCurrency is null ? v.Currency : $"{v.Currency}/{v.QuoteCurrency}"));
        Row("Expiry", v.ExpiresAt is null ? Fmt.None : Fmt.Time(v.ExpiresAt));
        Row("Strike", Fmt.Number(v.Strike));
        Row("Type", Fmt.Text(v.OptionType ?? v.ComboType));
        Row("Status", v.Status == "active" ? "[green]active[/]" : $"[yellow]{Markup.Escape(v.Status)}[/] {Fmt.Time(v.StatusChangedAt)}");
        Row("Ticks seen", Fmt.Count(v.TicksSeen));
        Row("First tick", Fmt.Time(v.FirstSeenAt));
        Row("Last received", Fmt.Time(v.LastSeenAt));
        Row("Last exchange time", Fmt.Time(v.LastTickTime));
        Row("Trades seen", Fmt.Count(v.TradesSeen));
        Row("Last trade", v.LastTrade is null
            ? Fmt.None
            : $"{Fmt.Text(Fmt.StringField(v.LastTrade, "direction"))} {Fmt.Number(Fmt.Field(v.LastTrade, "amount"))} @ {Fmt.Number(Fmt.Field(v.LastTrade, "price"))} {Fmt.Time(v.LastTradeTime)}");
        Row("Tick size", Fmt.Number(v.Info?.TickSize));
        Row("Contract size", Fmt.Number(v.Info?.ContractSize));

        var ticker = new Grid().AddColumn().AddColumn(new GridColumn().RightAligned());
        void Tick(string label, string path) => ticker.AddRow($"[grey]{label}[/]", Fmt.Number(Fmt.Field(v.Ticker, path)));
        ticker.AddRow("[grey]State[/]", Fmt.Text(Fmt.StringField(v.Ticker, "state")));
        Tick("Mark price", "mark_price");
        Tick("Best bid", "best_bid_price");
        Tick("Bid amount", "best_bid_amount");
        Tick("Best ask", "best_ask_price");
        Tick("Ask amount", "best_ask_amount");
        Tick("Last price", "last_price");
        Tick("Index price", "index_price");
        Tick("Underlying", "underlying_price");
        Tick("Open interest", "open_interest");
        if (v.Kind == "option")
        {
            Tick("Mark IV", "mark_iv");
            Tick("Bid IV", "bid_iv");
            Tick("Ask IV", "ask_iv");
            Tick("Delta", "greeks.delta");
            Tick("Gamma", "greeks.gamma");
            Tick("Vega", "greeks.vega");
            Tick("Theta", "greeks.theta");
        }

        console.Write(new Columns(
            new Panel(facts).Header(Markup.Escape(v.InstrumentName)).Border(BoxBorder.Rounded),
            new Panel(ticker).Header(v.Ticker is null ? "no tick yet" : "latest ticker").Border(BoxBorder.Rounded)));
    }
}
