using Laevitas.Testing;
using Laevitas.DeribitSimulator;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Feed;

/// <summary>A simulator and a feed pointed at it, torn down in order (feed first, then the exchange).</summary>
public sealed class FeedRun : IAsyncDisposable
{
    private FeedRun(DeribitSimulatorServer sim, FeedHarness feed)
    {
        Sim = sim;
        Feed = feed;
    }

    public DeribitSimulatorServer Sim { get; }

    public FeedHarness Feed { get; }

    public static async Task<FeedRun> StartAsync(SimulatorOptions simOptions, Action<Dictionary<string, string?>>? configure = null)
    {
        var sim = await DeribitSimulatorServer.StartAsync(simOptions);
        try
        {
            var settings = FeedHarness.FastSettings(sim.Url);
            // The simulator's universe spans inverse (BTC, ETH) and linear (USDC-settled) instruments.
            settings["Deribit:Currencies"] = "BTC,ETH,USDC";
            configure?.Invoke(settings);
            return new FeedRun(sim, await FeedHarness.StartAsync(settings));
        }
        catch
        {
            await sim.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Feed.DisposeAsync();
        try
        {
            // Let the exchange see the feed's connections close before stopping it.
            await Eventually.TrueAsync(() => Sim.Connections.Count == 0, TimeSpan.FromSeconds(5), "the feed's connections to close");
        }
        finally
        {
            await Sim.DisposeAsync();
        }
    }
}
