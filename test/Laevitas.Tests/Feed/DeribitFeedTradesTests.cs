using System.Text;
using Laevitas.DeribitSimulator;
using Laevitas.Testing;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Feed;

/// <summary>
/// The feed's trades channels against the simulator: one <c>trades.{kind}.{currency}.100ms</c> per configured kind
/// and currency (or one per explicit instrument), counted with the ticker channels, and every trade the exchange
/// generated handed to the sink once, its JSON as sent.
/// </summary>
public class DeribitFeedTradesTests
{
    private const int Trades = 600;

    [Fact]
    public async Task SubscribesOneTradesChannelPerKindAndCurrencyAndHandsOverEveryTradeOnceAsSent()
    {
        var simOptions = new SimulatorOptions { InstrumentCount = 40, TicksPerSecond = 0, TradesPerSecond = 0, MaxTrades = Trades, RecordEmitted = true, Seed = 11 };
        await using var run = await FeedRun.StartAsync(simOptions, settings => settings["Deribit:Trades"] = "true");
        var (sim, feed) = (run.Sim, run.Feed);

        // BTC, ETH, USDC × option, future: six trades channels next to the 40 ticker channels.
        await Eventually.TrueAsync(() => feed.Status.ChannelsSubscribed == 40 + 6, TimeSpan.FromSeconds(30),
            "40 ticker and 6 trades channels subscribed", () => $"{feed.Status.Snapshot()}; log: {feed.LogText()}");
        Assert.Equal(46, sim.Connections.Sum(c => c.ChannelCount));

        sim.TradesPerSecond = 2_000;
        await Eventually.TrueAsync(() => feed.Sink.Trades.Count >= Trades, TimeSpan.FromSeconds(30), $"{Trades} trades received",
            () => $"{feed.Sink.Trades.Count} received, {sim.TradeLedger.TotalGenerated} generated");

        var generated = sim.TradeLedger.Snapshot();
        Assert.Equal(Trades, generated.Count);
        var received = feed.Sink.Trades;
        Assert.Equal(generated.Select(t => (t.InstrumentName, t.TradeSeq, t.TradeId, t.Timestamp, t.Json)),
            received.Select(t => (t.InstrumentName, t.TradeSeq!.Value, t.TradeId, t.Timestamp, Encoding.UTF8.GetString(t.Payload))));
        // Several trades per notification (a burst sweeping levels), each split into its own record.
        Assert.True(received.GroupBy(t => (t.InstrumentName, t.Timestamp, t.ReceivedAtMs)).Any(g => g.Count() > 1), "no notification carried more than one trade");
        // Trades of both kinds and of the three currencies came, each through its market's channel.
        var markets = generated.Select(t => sim.Universe.Active.Single(i => i.InstrumentName == t.InstrumentName))
            .Select(i => (i.KindName, i.SettlementCurrency)).Distinct().Count();
        Assert.Equal(6, markets);
        Assert.Equal(0, feed.Status.ParseErrors);
        Assert.Equal(Trades, feed.Status.TradesReceived);
    }

    [Fact]
    public async Task WithExplicitInstrumentsEachGetsItsOwnTradesChannelAndNoOtherTradeComes()
    {
        var simOptions = new SimulatorOptions { InstrumentCount = 30, TicksPerSecond = 0, RecordEmitted = true, Seed = 12 };
        await using var sim = await DeribitSimulatorServer.StartAsync(simOptions);
        var followed = sim.Universe.Active.Select(i => i.InstrumentName).Order(StringComparer.Ordinal).Take(3).ToArray();
        // Another client follows every ticker, so the market trades instruments the feed does not follow too. It
        // subscribes before the feed starts: both come from one address, whose subscribe calls the exchange rate-limits.
        await using var other = await RawDeribitClient.ConnectAsync(sim.Url);
        var all = sim.Universe.Active.Select(i => $"ticker.{i.InstrumentName}.100ms").ToArray();
        var subscribed = await other.CallAsync("public/subscribe", new { channels = all });
        Assert.Equal(all.Length, subscribed.GetProperty("result").GetArrayLength());
        var settings = FeedHarness.FastSettings(sim.Url);
        settings["Deribit:Instruments"] = string.Join(",", followed);
        settings["Deribit:Trades"] = "true";
        await using var feed = await FeedHarness.StartAsync(settings);

        await Eventually.TrueAsync(() => feed.Status.ChannelsSubscribed == 6, TimeSpan.FromSeconds(30), "3 ticker and 3 trades channels subscribed",
            () => $"{feed.Status.Snapshot()}; log: {feed.LogText()}");
        sim.TradesPerSecond = 3_000;
        await Eventually.TrueAsync(() => sim.TradeLedger.Snapshot().Count(t => followed.Contains(t.InstrumentName)) >= 30, TimeSpan.FromSeconds(30),
            "30 trades of the followed instruments generated");
        sim.TradesPerSecond = 0;
        // The engine finishes the burst credit it had earned after the rate drops, so the ledger is read anew each time.
        HashSet<string> Expected() => sim.TradeLedger.Snapshot().Where(t => followed.Contains(t.InstrumentName)).Select(t => t.TradeId).ToHashSet();
        // Every trade of the followed instruments received, and nothing else (a trade of another instrument keeps the
        // counts apart until the timeout).
        await Eventually.TrueAsync(
            () => Expected() is var ids && feed.Sink.Trades.Count(t => ids.Contains(t.TradeId)) == ids.Count && feed.Sink.Trades.Count == ids.Count,
            TimeSpan.FromSeconds(30), "every trade of the followed instruments received, and no other",
            () => $"{feed.Sink.Trades.Count} received of {Expected().Count}; instruments received: {string.Join(", ", feed.Sink.Trades.Select(t => t.InstrumentName).Distinct())}");

        Assert.True(sim.TradeLedger.TotalGenerated > Expected().Count, "the market traded only the followed instruments");
        Assert.All(feed.Sink.Trades, t => Assert.Contains(t.InstrumentName, followed));
    }

    [Fact]
    public async Task MalformedTradesFramesAreCountedAndTheConnectionGoesOn()
    {
        var simOptions = new SimulatorOptions { InstrumentCount = 20, TicksPerSecond = 0, RecordEmitted = true, Seed = 13 };
        await using var run = await FeedRun.StartAsync(simOptions, settings => settings["Deribit:Trades"] = "true");
        var (sim, feed) = (run.Sim, run.Feed);
        await Eventually.TrueAsync(() => feed.Status.ChannelsSubscribed == 20 + 6, TimeSpan.FromSeconds(30), "every channel subscribed",
            () => $"{feed.Status.Snapshot()}; log: {feed.LogText()}");
        const string channel = "trades.future.BTC.100ms";
        const string good1 = """{"trade_seq":1,"trade_id":"1","timestamp":1700000000000,"instrument_name":"BTC-PERPETUAL","price":1,"amount":10,"direction":"buy"}""";
        const string good2 = """{"trade_seq":2,"trade_id":"2","timestamp":1700000000000,"instrument_name":"BTC-PERPETUAL","price":1,"amount":10,"direction":"buy"}""";

        // Two unusable trades between two good ones; a data object instead of an array; a cut-off frame.
        const string head = """{"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.future.BTC.100ms","data":""";
        Assert.Equal(1, sim.Faults.SendRawToSubscribers(channel, Encoding.UTF8.GetBytes(
            head + "[" + good1 + """,42,{"trade_seq":3,"timestamp":1},""" + good2 + "]}}")));
        sim.Faults.SendRawToSubscribers(channel, Encoding.UTF8.GetBytes(head + good1 + "}}"));
        sim.Faults.SendRawToSubscribers(channel, Encoding.UTF8.GetBytes(head + "[" + good1));

        await Eventually.TrueAsync(() => feed.Status.ParseErrors == 4, TimeSpan.FromSeconds(10), "four unusable messages or trades counted",
            () => $"{feed.Status.ParseErrors} counted");
        Assert.Equal([good1, good2], feed.Sink.Trades.Select(t => Encoding.UTF8.GetString(t.Payload)));

        // The same connection goes on: the exchange's next trades arrive, nothing reconnected.
        sim.TradesPerSecond = 500;
        await Eventually.TrueAsync(() => feed.Sink.Trades.Count >= 52, TimeSpan.FromSeconds(30), "50 more trades", () => $"{feed.Sink.Trades.Count}");
        Assert.Equal(0, feed.Status.Reconnects);
        Assert.Equal(4, feed.Status.ParseErrors);
        Assert.Contains(feed.Logs.Entries, e => e.EventId.Id == 3010);
    }
}
