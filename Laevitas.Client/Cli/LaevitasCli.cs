using System.CommandLine;
using Laevitas.Client.Commands;

namespace Laevitas.Client.Cli;

/// <summary>The <c>laevitas</c> command tree. <see cref="RunAsync"/> is what <c>Main</c> and the tests call.</summary>
public static class LaevitasCli
{
    public static RootCommand Build(CliContext context)
    {
        var global = new GlobalOptions();
        var root = new RootCommand(
            "Laevitas client: queries a running Laevitas cluster (Deribit tickers captured by Orleans) as an Orleans client.\n" +
            "Reaches the cluster like the silo configures it (appsettings.json, Orleans__* and ConnectionStrings__Postgres " +
            "environment variables; default: the localhost gateway on port 30000) or at --gateway host:port.\n" +
            ExitCodes.Help);
        global.AddTo(root);
        root.Add(InstrumentsCommand.Create(context, global));
        root.Add(ShowCommand.Create(context, global));
        root.Add(WatchCommand.Create(context, global));
        root.Add(StatsCommand.Create(context, global));
        root.Add(HistoryCommand.Create(context, global));
        root.Add(TradesCommand.Create(context, global));
        root.Add(SettlementsCommand.Create(context, global));
        root.Add(IndexCommand.Create(context, global));
        root.Add(ExportCommand.Create(context));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var root = Build(context);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await context.Error.WriteLineAsync(error.Message);
            }

            await context.Error.WriteLineAsync("Run 'laevitas --help' (or 'laevitas <command> --help') for usage.");
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration { Output = context.Output, Error = context.Error };
        return await parse.InvokeAsync(invocation, cancellationToken);
    }
}
