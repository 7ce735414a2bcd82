using System.CommandLine;
using Laevitas.Client.Cli;
using Laevitas.Client.Output;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.Instruments;
using Spectre.Console;

namespace Laevitas.Client.Commands;

/// <summary>
/// <c>laevitas watch NAME...</c>: the latest tickers, refreshed in place until Ctrl+C (exit 0). With <c>--json</c>, one
/// line of JSON per instrument whenever it has a new tick (NDJSON, for piping).
/// </summary>
internal static class WatchCommand
{
    public const int MaxInstruments = 50;

    public static Command Create(CliContext context, GlobalOptions global)
    {
        var names = new Argument<string[]>("names")
        {
            Description = $"Instrument names (1..{MaxInstruments}).",
            Arity = new ArgumentArity(1, MaxInstruments),
        };
        var interval = new Option<int>("--interval", "-i")
        {
            Description = "Refresh period in milliseconds (100..60000).",
            DefaultValueFactory = _ => 1000,
        };
        var count = new Option<int?>("--count") { Description = "Stop after this many refreshes (default: until Ctrl+C)." };
        var command = new Command("watch", "Watch instruments' latest tickers live, updating in place; Ctrl+C stops (exit 0).") { names, interval, count };
        command.SetAction((parse, cancellationToken) =>
        {
            var instruments = parse.GetValue(names)!.Distinct(StringComparer.Ordinal).ToArray();
            var period = parse.GetValue(interval);
            var refreshes = parse.GetValue(count);
            return CommandRunner.RunAsync(context, global, parse,
                (cluster, ct) => WatchAsync(context, cluster.Client, instruments, TimeSpan.FromMilliseconds(period), refreshes, parse.GetValue(global.Json), ct),
                () =>
                {
                    foreach (var name in instruments)
                    {
                        ShowCommand.ValidateName(name);
                    }

                    if (period is < 100 or > 60_000)
                    {
                        throw new CliException(ExitCodes.Usage, $"--interval must be between 100 and 60000 ms (was {period}).");
                    }

                    if (refreshes is < 1)
                    {
                        throw new CliException(ExitCodes.Usage, $"--count must be at least 1 (was {refreshes}).");
                    }
                },
                cancellationToken);
        });
        return command;
    }

    private static async Task<int> WatchAsync(
        CliContext context, IClusterClient client, string[] instruments, TimeSpan period, int? refreshes, bool json, CancellationToken cancellationToken)
    {
        var grains = instruments.Select(name => client.GetGrain<IInstrumentGrain>(name)).ToArray();
        var first = await FetchAsync(grains);
        if (!first.Any(InstrumentDetailView.IsKnown))
        {
            throw new CliException(ExitCodes.NotFound, $"None of {string.Join(", ", instruments)} is known to the cluster. 'laevitas instruments' lists the ones followed.");
        }

        var state = new WatchState(instruments, context.Time);
        try
        {
            if (json)
            {
                await RunJsonAsync(context, grains, state, first, period, refreshes, cancellationToken);
            }
            else
            {
                var table = state.BuildTable();
                await context.Console.Live(table).AutoClear(false).StartAsync(async live =>
                {
                    var snapshots = first;
                    for (var n = 1; ; n++)
                    {
                        state.Update(snapshots);
                        state.Fill(table);
                        live.Refresh();
                        if (n == refreshes)
                        {
                            return;
                        }

                        try
                        {
                            await Task.Delay(period, context.Time, cancellationToken);
                        }
                        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                        {
                            // Ends the live display normally, so the last table stays on screen.
                            return;
                        }

                        snapshots = await FetchAsync(grains);
                    }
                });
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C ends a watch normally.
        }

        return ExitCodes.Ok;
    }

    private static async Task RunJsonAsync(
        CliContext context, IInstrumentGrain[] grains, WatchState state, InstrumentSnapshot[] first, TimeSpan period, int? refreshes, CancellationToken cancellationToken)
    {
        var lastSent = new long?[grains.Length];
        var snapshots = first;
        for (var n = 1; ; n++)
        {
            for (var i = 0; i < snapshots.Length; i++)
            {
                var s = snapshots[i];
                if (InstrumentDetailView.IsKnown(s) && (n == 1 || s.LastTickTimestamp != lastSent[i]))
                {
                    lastSent[i] = s.LastTickTimestamp;
                    JsonOutput.Write(context.Output, InstrumentDetailView.From(s), indented: false);
                }
            }

            if (n == refreshes)
            {
                return;
            }

            await Task.Delay(period, context.Time, cancellationToken);
            snapshots = await FetchAsync(grains);
        }
    }

    private static Task<InstrumentSnapshot[]> FetchAsync(IInstrumentGrain[] grains) =>
        Task.WhenAll(grains.Select(g => g.GetSnapshotAsync()));
}
