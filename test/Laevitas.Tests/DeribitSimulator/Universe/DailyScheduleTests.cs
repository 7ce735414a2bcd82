using System.Text.Json;
using Laevitas.DeribitSimulator;
using Laevitas.DeribitSimulator.Universe;
using Laevitas.Testing;
using Laevitas.Tests.DeribitSimulator.Protocol;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.DeribitSimulator.Universe;

/// <summary>
/// The simulator's 08:00 UTC cycle (<see cref="SimulatorOptions.DailySchedule"/>) on an accelerated clock, seen by a
/// plain client: the daily expiring at 08:00 sends its last ticker with the day's delivery price, then settled and
/// terminated; the new daily is created and started at 08:00 of the clock.
/// </summary>
public class DailyScheduleTests
{
    private static readonly DateOnly Day = new(2025, 7, 30);
    private static readonly DateTimeOffset Settlement = new(Day.ToDateTime(new TimeOnly(8, 0)), TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task At0800TheDaysExpiryIsDeliveredAtThePublishedPriceAndANewDailyIsListed()
    {
        // 07:59:30 running 10 times faster: 08:00 comes about 3 s from now.
        var clock = new AcceleratedClock(Settlement.AddSeconds(-30), 10);
        var options = new SimulatorOptions { InstrumentCount = 60, TicksPerSecond = 300, Seed = 7, Clock = clock, DailySchedule = true, SettlementsSince = Day.AddDays(-10) };
        await using var sim = await DeribitSimulatorServer.StartAsync(options);
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);

        // Before 08:00 the universe is the one listed at 08:00 yesterday: the daily of the 30th is the nearest expiry.
        var expiring = sim.Universe.Active
            .Where(i => i.Kind == InstrumentKind.Option && i.BaseCurrency == "BTC" && !i.IsLinear && i.ExpirationTimestamp == Settlement.ToUnixTimeMilliseconds())
            .Select(i => i.InstrumentName).Order(StringComparer.Ordinal).First();
        Assert.StartsWith("BTC-30JUL25-", expiring, StringComparison.Ordinal);
        Assert.DoesNotContain(sim.Universe.Active, i => i.InstrumentName.StartsWith("BTC-2AUG25-", StringComparison.Ordinal));
        Assert.True(clock.GetUtcNow() < Settlement, "the test started after 08:00 of its clock");
        Assert.Equal(Day.AddDays(-1), sim.DeliveryPrices("btc_usd")[0].Date);

        await client.CallAsync("public/subscribe", new { channels = new[] { $"ticker.{expiring}.100ms", "instrument.state.option.BTC" } });
        var messages = new List<JsonElement>();
        await Eventually.TrueAsync(() =>
        {
            while (client.TryNextMessage(out var text)) messages.Add(JsonDocument.Parse(text).RootElement.Clone());
            // Every new daily's "started" (strikes × calls and puts), not just the first: they come one by one.
            return States(messages).Count(s => s.State == "started" && s.Name.StartsWith("BTC-2AUG25-", StringComparison.Ordinal)) >= options.DailyStrikes * 2
                   && States(messages).Any(s => s.State == "terminated" && s.Name == expiring);
        }, Patience, "the 08:00 expiry and listing on the wire", () => $"clock {clock.GetUtcNow():O}, {messages.Count} messages");

        // The last ticker: closed, "expired", delivered at the day's price of btc_usd, which get_delivery_prices now lists.
        var tickers = messages.Where(m => Channel(m).StartsWith("ticker.", StringComparison.Ordinal)).Select(Data).ToList();
        var last = tickers[^1];
        Assert.Equal("closed", last.GetProperty("state").GetString());
        Assert.Equal("expired", last.GetProperty("estimated_delivery_price").GetString());
        var published = sim.DeliveryPrices("btc_usd")[0];
        Assert.Equal(Day, published.Date);
        Assert.Equal(published.DeliveryPrice, last.GetProperty("delivery_price").GetDouble());
        // Settled where the index stood at 08:00, as the exchange's delivery price (an index average) is.
        Assert.InRange(published.DeliveryPrice / last.GetProperty("index_price").GetDouble(), 0.99, 1.01);
        var answer = await client.CallAsync("public/get_delivery_prices", new { index_name = "btc_usd", count = 1 });
        Assert.Equal(published.DeliveryPrice, answer.GetProperty("result").GetProperty("data")[0].GetProperty("delivery_price").GetDouble());
        Assert.Equal("2025-07-30", answer.GetProperty("result").GetProperty("data")[0].GetProperty("date").GetString());
        Assert.InRange(last.GetProperty("timestamp").GetInt64(), Settlement.ToUnixTimeMilliseconds(), Settlement.AddMinutes(1).ToUnixTimeMilliseconds());
        Assert.All(tickers[..^1], t => Assert.NotEqual(JsonValueKind.String, t.GetProperty("estimated_delivery_price").ValueKind));

        // Its end is announced after its last ticker; the new daily (three days out) is created, then started, at 08:00 of the clock.
        var order = messages.Select((m, i) => (m, i)).ToList();
        var lastTicker = order.Last(p => Channel(p.m).StartsWith("ticker.", StringComparison.Ordinal)).i;
        var states = States(messages);
        Assert.Equal(["settled", "terminated"], states.Where(s => s.Name == expiring).Select(s => s.State));
        Assert.True(order.First(p => IsState(p.m, expiring, "settled")).i > lastTicker, "settled came before the last ticker");
        var listed = states.Where(s => s.Name.StartsWith("BTC-2AUG25-", StringComparison.Ordinal)).ToList();
        Assert.Equal(options.DailyStrikes * 2 * 2, listed.Count);
        Assert.All(listed.GroupBy(s => s.Name), g => Assert.Equal(["created", "started"], g.Select(s => s.State)));
        Assert.All(listed, s => Assert.InRange(s.Timestamp, Settlement.ToUnixTimeMilliseconds(), Settlement.AddMinutes(1).ToUnixTimeMilliseconds()));

        // The listing follows: the 30th's dailies are gone, the 2 August ones are there with their 08:00 creation.
        var instruments = GetInstrumentsTests.Results(await client.CallAsync("public/get_instruments", new { currency = "BTC", kind = "option" }));
        Assert.DoesNotContain(instruments, i => i.GetProperty("instrument_name").GetString()!.StartsWith("BTC-30JUL25-", StringComparison.Ordinal));
        var fresh = instruments.Where(i => i.GetProperty("instrument_name").GetString()!.StartsWith("BTC-2AUG25-", StringComparison.Ordinal)).ToList();
        Assert.Equal(options.DailyStrikes * 2, fresh.Count);
        Assert.All(fresh, i => Assert.InRange(i.GetProperty("creation_timestamp").GetInt64(), Settlement.ToUnixTimeMilliseconds(), Settlement.AddMinutes(1).ToUnixTimeMilliseconds()));
        Assert.All(fresh, i => Assert.Equal(new DateTimeOffset(2025, 8, 2, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), i.GetProperty("expiration_timestamp").GetInt64()));
        Assert.Contains(sim.Universe.Expired, i => i.InstrumentName == expiring);
    }

    [Fact]
    public async Task WithoutTheOption0800ChangesNothing()
    {
        var clock = new AcceleratedClock(Settlement.AddSeconds(-5), 120);
        var options = new SimulatorOptions { InstrumentCount = 60, TicksPerSecond = 0, Seed = 7, Clock = clock, ReferenceTime = Settlement.AddDays(-1) };
        await using var sim = await DeribitSimulatorServer.StartAsync(options);
        var before = sim.Universe.Active.Select(i => i.InstrumentName).Order(StringComparer.Ordinal).ToList();
        Assert.Contains(before, n => n.StartsWith("BTC-30JUL25-", StringComparison.Ordinal));

        // Ten minutes of the clock past 08:00 (5 s at 120×): the settlement is published, but no listing changes.
        await Eventually.TrueAsync(() => clock.GetUtcNow() > Settlement.AddMinutes(10), Patience, "the clock past 08:10");
        Assert.Equal(Day, sim.DeliveryPrices("btc_usd")[0].Date);
        Assert.Equal(before, sim.Universe.Active.Select(i => i.InstrumentName).Order(StringComparer.Ordinal));
        Assert.Empty(sim.Universe.Expired);
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(31, 3)]
    [InlineData(3, 0)]
    [InlineData(3, 51)]
    public async Task ScheduleSettingsOutOfRangeAreRefused(int expiryDays, int strikes)
    {
        var options = new SimulatorOptions { DailySchedule = true, DailyExpiryDays = expiryDays, DailyStrikes = strikes };
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => DeribitSimulatorServer.StartAsync(options));
    }

    private static string Channel(JsonElement message) =>
        message.TryGetProperty("params", out var p) && p.TryGetProperty("channel", out var c) ? c.GetString()! : "";

    private static JsonElement Data(JsonElement message) => message.GetProperty("params").GetProperty("data");

    private static bool IsState(JsonElement message, string name, string state) =>
        Channel(message).StartsWith("instrument.state.", StringComparison.Ordinal)
        && Data(message).GetProperty("instrument_name").GetString() == name && Data(message).GetProperty("state").GetString() == state;

    private static List<(string Name, string State, long Timestamp)> States(List<JsonElement> messages) =>
        messages.Where(m => Channel(m).StartsWith("instrument.state.", StringComparison.Ordinal))
            .Select(m => (Data(m).GetProperty("instrument_name").GetString()!, Data(m).GetProperty("state").GetString()!, Data(m).GetProperty("timestamp").GetInt64()))
            .ToList();
}
