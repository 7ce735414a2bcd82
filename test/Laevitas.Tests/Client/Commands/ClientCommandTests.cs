using Laevitas.Testing;
using System.Diagnostics;
using System.Text.Json;
using Laevitas.Client.Cli;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Stats;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Laevitas.Tests.Client.Commands;

/// <summary>
/// The client's commands, run in-process against the shared silo (joined as a real Orleans client through its gateway),
/// their JSON output compared with the grains' state.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ClientCommandTests(ApiEnvironment environment)
{
    [Fact]
    public async Task InstrumentsJsonMatchesTheRegistry()
    {
        var silo = await environment.SiloAsync();
        var listed = await ApiWait.AllListedAsync(environment, silo);

        // Through the shared clustering configuration (Orleans:GatewayPort), no --gateway.
        var run = await CliRun.RunAsync(silo.ClientSettings(), "instruments", "--json");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var list = JsonSerializer.Deserialize<InstrumentList>(run.Output, LaevitasJson.Compact)!;
        Assert.Equal(listed.Select(InstrumentView.From), list.Instruments);
        Assert.Equal(listed.Count, list.Count);

        var registry = silo.Grains.GetGrain<IInstrumentRegistryGrain>(IInstrumentRegistryGrain.Key);
        var ethFutures = await registry.ListAsync(new InstrumentQuery { Currency = "ETH", Kind = InstrumentKind.Future });
        var filtered = await CliRun.RunAsync(silo.ClientSettings(), "instruments", "--currency", "ETH", "--kind", "future", "--json");
        Assert.True(filtered.ExitCode == ExitCodes.Ok, filtered.ToString());
        Assert.Equal(ethFutures.Select(l => l.InstrumentName),
            JsonSerializer.Deserialize<InstrumentList>(filtered.Output, LaevitasJson.Compact)!.Instruments.Select(i => i.InstrumentName));

        // The table names every instrument too.
        var table = await CliRun.RunAsync(silo.ClientSettings(), "instruments");
        Assert.Equal(ExitCodes.Ok, table.ExitCode);
        Assert.All(listed, l => Assert.Contains(l.InstrumentName, table.Console, StringComparison.Ordinal));
        Assert.Contains($"{listed.Count} instrument(s)", table.Console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShowJsonMatchesTheGrainSnapshot()
    {
        var silo = await environment.SiloAsync();
        var name = await ApiWait.InstrumentWithTicksAsync(environment, silo, InstrumentKind.Option);
        var grain = silo.Grains.GetGrain<IInstrumentGrain>(name);
        var before = await grain.GetSnapshotAsync();

        var run = await CliRun.RunAsync(silo.ClientSettings(), "show", name, "--json", "--gateway", $"127.0.0.1:{silo.GatewayPort}");
        var after = await grain.GetSnapshotAsync();
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var view = JsonSerializer.Deserialize<InstrumentDetailView>(run.Output, LaevitasJson.Compact)!;
        var expected = InstrumentDetailView.From(before);
        Assert.Equal(name, view.InstrumentName);
        Assert.Equal((expected.Kind, expected.Currency, expected.Expiry, expected.Strike, expected.OptionType, expected.Status, expected.FirstSeenAt),
            (view.Kind, view.Currency, view.Expiry, view.Strike, view.OptionType, view.Status, view.FirstSeenAt));
        Assert.Equal(before.Info, view.Info);
        Assert.InRange(view.TicksSeen, before.TicksSeen, after.TicksSeen);
        Assert.Equal(view.LastTickTimestamp, view.Ticker!.Value.GetProperty("timestamp").GetInt64());

        var table = await CliRun.RunAsync(silo.ClientSettings(), "show", name);
        Assert.Equal(ExitCodes.Ok, table.ExitCode);
        Assert.Contains(name, table.Console, StringComparison.Ordinal);
        Assert.Contains("Mark price", table.Console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShowSaysNotFoundAndUsageWithTheirExitCodes()
    {
        var silo = await environment.SiloAsync();
        var unknown = await CliRun.RunAsync(silo.ClientSettings(), "show", "ETH-1JAN99");
        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
        Assert.Contains("'ETH-1JAN99' is not known to the cluster", unknown.Error, StringComparison.Ordinal);
        Assert.Empty(unknown.Output);

        var malformed = await CliRun.RunAsync(silo.ClientSettings(), "show", "eth-perpetual");
        Assert.Equal(ExitCodes.Usage, malformed.ExitCode);
        Assert.Contains("did you mean ETH-PERPETUAL?", malformed.Error, StringComparison.Ordinal);

        var badKind = await CliRun.RunAsync(silo.ClientSettings(), "instruments", "--kind", "warrant");
        Assert.Equal(ExitCodes.Usage, badKind.ExitCode);
        Assert.Contains("kind 'warrant' is not one of", badKind.Error, StringComparison.Ordinal);

        var badCommand = await CliRun.RunAsync(silo.ClientSettings(), "instrumentz");
        Assert.Equal(ExitCodes.Usage, badCommand.ExitCode);
        Assert.Contains("laevitas --help", badCommand.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatsJsonShowsTheSiloGrainsAndPipeline()
    {
        var silo = await environment.SiloAsync();
        await ApiWait.InstrumentWithTicksAsync(environment, silo, InstrumentKind.Future);
        ClusterStats? stats = null;
        await Eventually.TrueAsync(async () =>
            {
                var run = await CliRun.RunAsync(silo.ClientSettings(), "stats", "--json");
                Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
                stats = JsonSerializer.Deserialize<ClusterStats>(run.Output, LaevitasJson.Compact)!;
                return stats.Pipeline.TicksInPerSecond > 0;
            },
            ApiWait.Timeout, "stats to show ticks/s in");

        var member = Assert.Single(stats!.Silos);
        Assert.Equal((silo.SiloAddress, "Active"), (member.Address, member.Status));
        Assert.Equal(silo.Feed.InstrumentsFollowed, stats.Pipeline.InstrumentsFollowed);
        Assert.Contains(stats.GrainTypes, g => g.GrainType.StartsWith("Laevitas.Grains.Instruments.InstrumentGrain,", StringComparison.Ordinal) && g.Activations > 0);

        var table = await CliRun.RunAsync(silo.ClientSettings(), "stats");
        Assert.Equal(ExitCodes.Ok, table.ExitCode);
        Assert.Contains(silo.SiloAddress, table.Console, StringComparison.Ordinal);
        Assert.Contains("InstrumentGrain", table.Console, StringComparison.Ordinal);
        Assert.Contains("Ticks in (feed)", table.Console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchFollowsNewTicksAndStopsAfterCount()
    {
        var silo = await environment.SiloAsync();
        var name = await ApiWait.InstrumentWithTicksAsync(environment, silo, InstrumentKind.Perpetual);
        var before = await silo.Grains.GetGrain<IInstrumentGrain>(name).GetSnapshotAsync();

        var run = await CliRun.RunAsync(silo.ClientSettings(), "watch", name, "--json", "--interval", "300", "--count", "10");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonSerializer.Deserialize<InstrumentDetailView>(l, LaevitasJson.Compact)!).ToList();
        Assert.All(lines, l => Assert.Equal(name, l.InstrumentName));
        // One line per new tick seen: the perpetual ticks several times a second, so ten refreshes show several.
        Assert.True(lines.Count >= 2, run.ToString());
        Assert.True(lines.Select(l => l.LastTickTimestamp).Distinct().Count() == lines.Count, "a line repeats an already shown tick");
        Assert.True(lines[0].TicksSeen >= before.TicksSeen && lines[^1].TicksSeen > lines[0].TicksSeen);

        var table = await CliRun.RunAsync(silo.ClientSettings(), "watch", name, "ETH-1JAN99", "--count", "2", "--interval", "200");
        Assert.True(table.ExitCode == ExitCodes.Ok, table.ToString());
        Assert.Contains(name, table.Console, StringComparison.Ordinal);
        Assert.Contains("not known to the cluster", table.Console, StringComparison.Ordinal);

        // Ctrl+C (cancellation) ends a watch with exit code 0.
        using var ctrlC = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var context = new CliContext(new StringWriter(), new StringWriter(), Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings { Out = new Spectre.Console.AnsiConsoleOutput(new StringWriter()) }),
            new ConfigurationBuilder().AddInMemoryCollection(silo.ClientSettings()).Build(), TimeProvider.System);
        var watch = Stopwatch.StartNew();
        Assert.Equal(ExitCodes.Ok, await LaevitasCli.RunAsync(["watch", name], context, ctrlC.Token));
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task HelpIsAvailableEverywhere()
    {
        foreach (var command in new[] { "", "instruments", "show", "watch", "stats", "history" })
        {
            var args = command.Length == 0 ? new[] { "--help" } : new[] { command, "--help" };
            var run = await CliRun.RunAsync(new Dictionary<string, string?>(), args);
            Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
            Assert.Contains("Usage:", run.Output, StringComparison.Ordinal);
            Assert.Contains("--json", run.Output, StringComparison.Ordinal);
        }

        var root = await CliRun.RunAsync(new Dictionary<string, string?>(), "--help");
        Assert.Contains("4 no cluster reachable", root.Output, StringComparison.Ordinal);
    }
}
