using Laevitas.DeribitSimulator;
using Laevitas.Silo.Settlements;
using Laevitas.Testing;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Laevitas.Tests.Silo.Settlements;

/// <summary>
/// The backfill as the silo runs it: at start, again after 08:00 UTC on an accelerated clock shared with the simulator,
/// and again after a failed call.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SettlementBackfillServiceTests(PostgresFixture postgres)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task The0800SettlementAppearsOnceTheAcceleratedClockCrossesIt()
    {
        // 07:57:00 running 60 times faster: 08:00:10 (the settlement plus SettleDelay) comes about 3.2 s from now.
        var day = new DateOnly(2025, 7, 30);
        var clock = new AcceleratedClock(new DateTimeOffset(day.ToDateTime(new TimeOnly(7, 57)), TimeSpan.Zero), 60);
        var options = SimulatorTestOptions.Create(instruments: 20, rate: 0);
        options.Clock = clock;
        options.SettlementsSince = day.AddDays(-30);
        await using var rig = await SettlementRig.StartAsync(postgres, "settlements_clock", options);
        using var service = Service(rig, clock, new SettlementOptions { Indexes = "btc_usd,xrp_usdc", SettleDelay = TimeSpan.FromSeconds(10) });

        await service.StartAsync(CancellationToken.None);
        try
        {
            // The pass at start: everything up to yesterday's settlement, and today's not yet (the clock is before 08:00).
            DateTimeOffset seenAt = default;
            await Eventually.TrueAsync(async () =>
            {
                seenAt = clock.GetUtcNow();
                var stored = await rig.StoredAsync("xrp_usdc");
                return stored.Count == 30;
            }, Timeout, "the start pass stored 30 days of xrp_usdc");
            Assert.True(seenAt < new DateTimeOffset(day.ToDateTime(new TimeOnly(8, 0)), TimeSpan.Zero), $"the start pass ended at {seenAt:O}, after 08:00");
            Assert.Equal(day.AddDays(-1), (await rig.StoredAsync("btc_usd"))[^1].Date);

            // After 08:00 the service fetches again on its own and today's delivery price appears, with the exchange's value.
            await Eventually.TrueAsync(async () => (await rig.StoredAsync("btc_usd"))[^1].Date == day && (await rig.StoredAsync("xrp_usdc"))[^1].Date == day,
                Timeout, "the 30 July settlement stored", () => $"clock {clock.GetUtcNow():O}");
            Assert.True(clock.GetUtcNow() >= new DateTimeOffset(day.ToDateTime(new TimeOnly(8, 0, 10)), TimeSpan.Zero));
            await rig.AssertReconciledAsync("btc_usd");
            await rig.AssertReconciledAsync("xrp_usdc");
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task AFailedCallIsRetriedWithBackoffAndTheHistoryStillLands()
    {
        var options = SimulatorTestOptions.Create(instruments: 20, rate: 0);
        options.SettlementsSince = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-50);
        using var logs = new CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Debug).AddProvider(logs));
        await using var rig = await SettlementRig.StartAsync(postgres, "settlements_retry", options, loggers);
        // The first request of the first pass is answered 10028 too_many_requests and its connection closed, as Deribit does.
        rig.Simulator.Faults.RejectNextRequests(1);
        using var service = Service(rig, TimeProvider.System,
            new SettlementOptions { Indexes = "btc_usd,eth_usd", RetryMinDelay = TimeSpan.FromMilliseconds(200) }, loggers);

        await service.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(async () => (await rig.StoredAsync("eth_usd")).Count == rig.Simulator.DeliveryPrices("eth_usd").Count,
                Timeout, "eth_usd backfilled after the retry", () => string.Join(" | ", logs.Entries.Select(e => e.Message)));
            await rig.AssertReconciledAsync("btc_usd");
            await rig.AssertReconciledAsync("eth_usd");
            Assert.Equal(1, rig.Simulator.GetStatistics().RateLimited);
            var failed = Assert.Single(logs.Entries, e => e.EventId.Id == 5605);
            Assert.Equal(LogLevel.Error, failed.Level);
            Assert.Contains(logs.Entries, e => e.EventId.Id == 5604 && e.Message.Contains("btc_usd", StringComparison.Ordinal) && e.Message.Contains("10028", StringComparison.Ordinal));
            // The pass logs "done" after its last index is stored, so it may come a moment after the rows do.
            await Eventually.TrueAsync(() => logs.Entries.Any(e => e.EventId.Id == 5603), Timeout, "the pass logged as done",
                () => string.Join(" | ", logs.Entries.Select(e => e.Message)));
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    private static SettlementBackfillService Service(SettlementRig rig, TimeProvider clock, SettlementOptions settings, ILoggerFactory? loggers = null) =>
        new(rig.Backfill, Options.Create(settings), rig.Deribit, clock, rig.Metrics, new SettlementStatus(),
            (loggers ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger<SettlementBackfillService>());
}
