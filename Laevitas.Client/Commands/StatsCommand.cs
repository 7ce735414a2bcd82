using System.CommandLine;
using Laevitas.Client.Cli;
using Laevitas.Client.Output;
using Laevitas.Grains.Abstractions.Stats;
using Spectre.Console;

namespace Laevitas.Client.Commands;

/// <summary><c>laevitas stats</c>: silos, active grains and the pipeline's rates, lag and last error.</summary>
internal static class StatsCommand
{
    public static Command Create(CliContext context, GlobalOptions global)
    {
        var top = new Option<int>("--top") { Description = "Grain types to list (most activations first).", DefaultValueFactory = _ => 10 };
        var command = new Command("stats", "Cluster and pipeline statistics: silos, active grains, ticks/s in, published/s, rows/s written, Kafka lag, last error.") { top };
        command.SetAction((parse, cancellationToken) =>
            CommandRunner.RunAsync(context, global, parse, async (cluster, _) =>
            {
                var stats = await ClusterStatsReader.ReadAsync(cluster.Client, context.Time);
                return JsonOutput.Print(context, global, parse, stats, (console, s) => Render(console, s, parse.GetValue(top)));
            }, () =>
            {
                if (parse.GetValue(top) is < 0 or > 1000)
                {
                    throw new CliException(ExitCodes.Usage, "--top must be between 0 and 1000.");
                }
            }, cancellationToken));
        return command;
    }

    private static void Render(IAnsiConsole console, ClusterStats stats, int top)
    {
        var silos = new Table().Border(TableBorder.Rounded).Title("Silos")
            .AddColumn(new TableColumn("Address").NoWrap()).AddColumn("Name").AddColumn("Host").AddColumn("Status").AddColumn(new TableColumn("Started").NoWrap());
        foreach (var s in stats.Silos)
        {
            silos.AddRow(Fmt.Text(s.Address), Fmt.Text(s.Name), Fmt.Text(s.HostName),
                s.Status == "Active" ? "[green]Active[/]" : Fmt.Text(s.Status), Fmt.Time(s.StartedAt));
        }

        console.Write(silos);

        var p = stats.Pipeline;
        var pipeline = new Table().Border(TableBorder.Rounded).Title("Pipeline")
            .AddColumn("").AddColumn(new TableColumn("Rate /s").RightAligned()).AddColumn(new TableColumn("Total").RightAligned()).AddColumn("State");
        pipeline.AddRow("Ticks in (feed)", Fmt.Rate(p.TicksInPerSecond), Fmt.Count(p.TicksReceived),
            $"{Fmt.Flag(p.FeedConnected, "connected", "disconnected")}, {Fmt.Count(p.InstrumentsFollowed)} instruments, {Fmt.Count(p.Reconnects)} reconnects, {Fmt.Count(p.ParseErrors)} parse errors");
        pipeline.AddRow("Waiting for grains (dispatch)", "", Fmt.Count(p.DispatchPending), $"{Fmt.Count(p.DispatchDropped)} shed past the backlog bound" +
            (p.DispatchPacedTo is { } paced ? $"; held to the writers' pace, {Fmt.Rate(paced)}/s" : ""));
        pipeline.AddRow("Copies not published (grains)", "", Fmt.Count(p.DuplicatesDropped),
            $"the other feeds' copies of ticks already accepted; {Fmt.Count(p.LateAccepted)} late ticks accepted, {Fmt.Count(p.TooOld)} older than the accept horizon");
        pipeline.AddRow("Published (Kafka)", Fmt.Rate(p.PublishedPerSecond), Fmt.Count(p.Published),
            $"{Fmt.Count(p.PublishBuffered)} buffered, {Fmt.Count(p.PublishSpoolPending)} spooled, {Fmt.Count(p.PublishDropped)} dropped");
        pipeline.AddRow("Rows written (PostgreSQL)", Fmt.Rate(p.RowsWrittenPerSecond), Fmt.Count(p.RowsWritten),
            $"database {Fmt.Flag(p.DatabaseAvailable, "up", "down")}, {Fmt.Count(p.WriteFailures)} failed writes");
        pipeline.AddRow("Trades (own topic and table)", "", Fmt.Count(p.TradeRowsWritten),
            $"rows written; {Fmt.Count(p.TradesReceived)} received (every feed's copy), {Fmt.Count(p.TradesPublished)} published, {Fmt.Count(p.TradesSpoolPending)} spooled");
        pipeline.AddRow("Kafka lag", "", Fmt.Count(p.KafkaLag), $"ticks not yet stored; {Fmt.Count(p.KafkaExpired)} deleted by the broker before they were stored");
        pipeline.Caption($"{p.ReportingSilos} silo(s) reporting; {stats.ActiveGrains:#,0} active grains");
        console.Write(pipeline);

        console.MarkupLine(p.LastError is null
            ? "Last error: [green]none[/]"
            : $"Last error ({Fmt.Text(p.LastErrorSource)}, {Fmt.Time(p.LastErrorAt)}, {Fmt.Text(p.LastErrorSilo)}): [red]{Markup.Escape(p.LastError)}[/]");

        if (top > 0 && stats.GrainTypes.Count > 0)
        {
            var grains = new Table().Border(TableBorder.Rounded).Title("Active grains")
                .AddColumn("Grain type").AddColumn(new TableColumn("Activations").RightAligned());
            foreach (var g in stats.GrainTypes.Take(top))
            {
                grains.AddRow(Fmt.Text(ShortType(g.GrainType)), Fmt.Count(g.Activations));
            }

            console.Write(grains);
        }
    }

    /// <summary><c>Laevitas.Grains.Instruments.InstrumentGrain,Laevitas.Grains</c> → <c>InstrumentGrain</c>.</summary>
    private static string ShortType(string grainType)
    {
        var comma = grainType.IndexOf(',');
        var name = comma < 0 ? grainType : grainType[..comma];
        var dot = name.LastIndexOf('.');
        return dot < 0 ? name : name[(dot + 1)..];
    }
}
