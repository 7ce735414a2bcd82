using Laevitas.DeribitSimulator;
using Laevitas.Grains.Abstractions.Indexes;
using Laevitas.Testing;

namespace Laevitas.Tests.Feed;

/// <summary>
/// The feed's index channels against the simulator: for BTC, ETH and USDC the price index and estimated expiration price
/// of btc_usd, eth_usd, btc_usdc, eth_usdc, sol_usdc and xrp_usdc, and DVOL of btc_usd and eth_usd, subscribed with the
/// other market channels and counted with them, and every value the exchange sent handed to the sink once, as sent.
/// </summary>
public class DeribitFeedIndexTests
{
    [Fact]
    public async Task SubscribesTheIndexChannelsOfTheConfiguredCurrenciesAndHandsOverEveryValueAsSent()
    {
        var simOptions = new SimulatorOptions { InstrumentCount = 20, TicksPerSecond = 0, RecordEmitted = true, Seed = 31, IndexInterval = TimeSpan.FromMilliseconds(100) };
        await using var run = await FeedRun.StartAsync(simOptions, settings =>
        {
            settings["Deribit:Currencies"] = "BTC,ETH,USDC";
            settings["Deribit:IndexChannels"] = "true";
        });
        var (sim, feed) = (run.Sim, run.Feed);

        // Six indexes × (price index, estimated expiration price) + DVOL of btc_usd and eth_usd.
        await Eventually.TrueAsync(() => feed.Status.ChannelsSubscribed == 20 + 14, TimeSpan.FromSeconds(30),
            "the 20 ticker and 14 index channels subscribed", () => $"{feed.Status.Snapshot()}; log: {feed.LogText()}");
        await Eventually.TrueAsync(() => feed.Sink.IndexValues.Count(v => v.Kind == IndexValueKind.EstimatedExpiration) >= 20, TimeSpan.FromSeconds(30),
            "20 estimated expiration prices received", () => $"{feed.Sink.IndexValues.Count} received, {sim.IndexLedger.TotalSent} sent");

        // Received first: the simulator records a value before sending it, so every value received is in the ledger.
        var received = feed.Sink.IndexValues;
        var sent = sim.IndexLedger.Snapshot();
        Assert.True(sent.Count >= received.Count);
        var sentByKey = sent.Where(v => v.Channel != "estimated_expiration_price").ToDictionary(v => (v.Channel, v.IndexName, v.Timestamp));
        foreach (var value in received)
        {
            switch (value.Kind)
            {
                case IndexValueKind.Price:
                    Assert.Equal(sentByKey[("deribit_price_index", value.IndexName, value.Timestamp)].Value, value.Value);
                    break;
                case IndexValueKind.Volatility:
                    Assert.Equal(sentByKey[("deribit_volatility_index", value.IndexName, value.Timestamp)].Value, value.Value);
                    break;
                default:
                    // No exchange timestamp: stamped on receipt.
                    Assert.Equal(value.ReceivedAtMs, value.Timestamp);
                    break;
            }
        }

        // Each of the 14 channels delivered, and nothing twice. Prices and DVOL carry the exchange's timestamp, unique per
        // round; an estimated expiration price does not (two rounds read in one burst share a receive millisecond, as a
        // loaded CI machine showed), so per index its values must be the sent ones in order, each at most once.
        Assert.Equal(14, received.Select(v => (v.IndexName, v.Kind)).Distinct().Count());
        var timestamped = received.Where(v => v.Kind != IndexValueKind.EstimatedExpiration).ToList();
        Assert.Equal(timestamped.Count, timestamped.Select(v => (v.IndexName, v.Kind, v.Timestamp)).Distinct().Count());
        foreach (var index in received.Where(v => v.Kind == IndexValueKind.EstimatedExpiration).GroupBy(v => v.IndexName))
        {
            var sentOfIndex = sent.Where(s => s.Channel == "estimated_expiration_price" && s.IndexName == index.Key)
                .Select(s => (s.Value, s.Seconds, s.IsEstimated)).ToList();
            var receivedOfIndex = index.Select(v => (v.Value, v.Seconds, v.IsEstimated)).ToList();
            Assert.True(IsSubsequence(receivedOfIndex, sentOfIndex),
                $"{index.Key}: the {receivedOfIndex.Count} estimated expiration prices received are not the {sentOfIndex.Count} sent, in order, each at most once");
        }

        // Everything sent before the last received price was received (one connection, in order).
        var lastPrice = received.Where(v => v.Kind == IndexValueKind.Price).Max(v => v.Timestamp);
        Assert.Equal(
            sent.Count(s => s.Channel == "deribit_price_index" && s.Timestamp <= lastPrice),
            received.Count(v => v.Kind == IndexValueKind.Price && v.Timestamp <= lastPrice));
        Assert.Equal(0, feed.Status.ParseErrors);
        Assert.True(feed.Status.IndexValuesReceived >= received.Count);
    }

    private static bool IsSubsequence<T>(IReadOnlyList<T> items, IReadOnlyList<T> of)
    {
        var next = 0;
        foreach (var item in of)
        {
            if (next < items.Count && EqualityComparer<T>.Default.Equals(items[next], item))
            {
                next++;
            }
        }

        return next == items.Count;
    }
}
