using Laevitas.DeribitSimulator;
using Laevitas.Testing;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.DeribitSimulator.Ledger;

/// <summary>
/// The market-side ledger: ticks keep being generated (and recorded) while nobody is subscribed, so a subscription
/// hole is visible as generated ticks that were never sent.
/// </summary>
public class MarketLedgerTests
{
    [Fact]
    public async Task TicksGeneratedWhileNobodyIsSubscribedAreInTheMarketLedgerAndNotInTheSentOne()
    {
        var options = SimulatorTestOptions.Create(instruments: 40, rate: 2_000);
        options.RecordEmitted = true;
        await using var sim = await DeribitSimulatorServer.StartAsync(options);
        var instrument = sim.Universe.Active.First().InstrumentName;
        var channel = $"ticker.{instrument}.100ms";

        await using (var client = await RawDeribitClient.ConnectAsync(sim.Url))
        {
            await client.CallAsync("public/subscribe", new { channels = new[] { channel } });
            await Eventually.TrueAsync(() => sim.Ledger.TimestampsFor(channel).Count >= 20, SimulatorTestOptions.Timeout, "ticks sent while subscribed");
        }

        // The connection is gone: nothing is sent any more, but the market goes on.
        await Eventually.TrueAsync(() => sim.GetStatistics().Subscriptions == 0, SimulatorTestOptions.Timeout, "the subscription to go with its connection");
        var sentAfterClose = sim.Ledger.TimestampsFor(channel).Count;
        var generatedAtClose = sim.MarketLedger.TimestampsFor(instrument).Count;
        await Eventually.TrueAsync(() => sim.MarketLedger.TimestampsFor(instrument).Count >= generatedAtClose + 50, SimulatorTestOptions.Timeout,
            "ticks generated with nobody subscribed");

        var sent = sim.Ledger.TimestampsFor(channel);
        var generated = sim.MarketLedger.TimestampsFor(instrument);
        Assert.Equal(sentAfterClose, sent.Count);
        // Every sent tick was generated (same timestamps, in order); the ones after the close were never sent.
        Assert.Equal(sent, generated.Take(sent.Count));
        Assert.True(generated.Count > sent.Count + 40, $"{generated.Count} generated, {sent.Count} sent");
        for (var i = 1; i < generated.Count; i++)
        {
            Assert.True(generated[i] > generated[i - 1]);
        }

    }
}
