using System.CommandLine;
using Laevitas.Client.Cli;
using Laevitas.Client.Output;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.History;
using Spectre.Console;

namespace Laevitas.Client.Commands;

/// <summary>
/// What <c>history</c> and <c>trades</c> share: <c>NAME --from --to --limit</c> parsed and validated like the HTTP API
/// (<see cref="HistoryRequests"/>), the query answered through the cluster (<see cref="IPriceHistoryGrain"/>), and the
/// answer printed as the API's JSON document or as a table.
/// </summary>
internal static class RangeQueryCommand
{
    public static Command Create<TAnswer>(
        CliContext context,
        GlobalOptions global,
        string commandName,
        string description,
        string limitDescription,
        Func<IPriceHistoryGrain, PriceHistoryQuery, Task<TAnswer>> query,
        Action<IAnsiConsole, TAnswer> render)
    {
        var name = new Argument<string>("name") { Description = "Instrument name." };
        var from = new Option<string?>("--from") { Description = "Start, exchange time (inclusive): ISO-8601 (2024-12-27T08:00:00Z; no offset = UTC) or Unix ms. Default: 'to' minus 1 hour." };
        var to = new Option<string?>("--to") { Description = "End, exchange time (exclusive): ISO-8601 or Unix ms. Default: now." };
        var limit = new Option<int?>("--limit", "-n") { Description = limitDescription };
        var command = new Command(commandName, description)
        {
            name, from, to, limit,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var errors = new RequestErrors();
            var built = HistoryRequests.TryBuild(parse.GetValue(name), parse.GetValue(from), parse.GetValue(to), parse.GetValue(limit), context.Time.GetUtcNow(), errors);
            return CommandRunner.RunAsync(context, global, parse, async (cluster, _) =>
            {
                var answer = await query(cluster.Client.GetGrain<IPriceHistoryGrain>(0), built!);
                return JsonOutput.Print(context, global, parse, answer, render);
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
}
