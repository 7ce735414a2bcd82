using Laevitas.Testing;
using Laevitas.DeribitSimulator;
using Laevitas.Feed;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Feed;

/// <summary>
/// The feed against an exchange that misbehaves. Which ticks may be missed during a disconnect: those the
/// exchange emitted for a channel while no connection had it subscribed (they are never sent: the simulator's
/// ledger only records ticks handed to a socket, like the exchange only sends to live subscriptions), and those
/// handed to a socket in the instant it died (in flight, lost with the TCP connection). Hence the bound each test
/// asserts with the ledger: per instrument, received ⊆ sent as an in-order subsequence (no duplicates, no
/// reordering, nothing invented), and every tick sent after the feed had resubscribed all channels is received.
/// </summary>
public class DeribitFeedFaultTests
{
    private const int Instruments = 200;

    [Fact]
    public async Task RecoversFromDroppedConnections()
    {
        await using var run = await FaultRun.StartAsync();

        var dropped = run.Sim.Faults.DropAllConnections();

        Assert.Equal(2, dropped);
        await run.AssertRecoversAsync(reconnectsAtLeast: 2);
    }

    [Fact]
    public async Task DetectsASilentLinkThroughTheHeartbeatAndReconnects()
    {
        await using var run = await FaultRun.StartAsync();

        run.Sim.Faults.GoSilent(TimeSpan.FromMinutes(2));
        // Heartbeat 10 s + margin 1 s: the watchdog must call the link dead on its own.
        await Eventually.TrueAsync(() => run.Feed.Status.Reconnects >= 1, TimeSpan.FromSeconds(20), "the silent link to be declared dead",
            () => run.Feed.Status.Snapshot().ToString());
        Assert.Contains(run.Feed.Logs.Entries, e => e.EventId.Id == 3012);
        run.Sim.Faults.EndSilence();

        await run.AssertRecoversAsync(reconnectsAtLeast: 1);
    }

    [Fact]
    public async Task BacksOffAfterTooManyRequestsAndResubscribes()
    {
        await using var run = await FaultRun.StartAsync();

        run.Sim.Faults.RejectNextRequests(1);
        run.Sim.Faults.DropConnection(run.Sim.Connections[0].Id);

        await Eventually.TrueAsync(() => run.Feed.Status.RateLimited >= 1, TimeSpan.FromSeconds(20), "a 10028 answer to be seen",
            () => run.Feed.Status.Snapshot().ToString());
        Assert.Equal(1, run.Sim.GetStatistics().RateLimited);
        Assert.Contains(run.Feed.Logs.Entries, e => e.EventId.Id == 3005);
        await run.AssertRecoversAsync(reconnectsAtLeast: 1);
    }

    [Fact]
    public async Task OpensTheCircuitWhileConnectionsAreRefusedThenClosesAndResubscribes()
    {
        await using var run = await FaultRun.StartAsync();
        var refusal = TimeSpan.FromSeconds(4);

        run.Sim.Faults.RefuseConnections(refusal, 503);
        run.Sim.Faults.DropAllConnections();

        await Eventually.TrueAsync(() => run.Feed.Status.CircuitState == CircuitState.Open, TimeSpan.FromSeconds(10), "the circuit breaker to open",
            () => run.Feed.Status.Snapshot().ToString());
        await run.AssertRecoversAsync(reconnectsAtLeast: 2);
        Assert.Equal(CircuitState.Closed, run.Feed.Status.CircuitState);
        Assert.True(run.Feed.Status.CircuitOpenings >= 1);
        // Without the breaker two connections retrying every 0.05–0.5 s would knock ~20 times in 4 s; with it:
        // 3 failures to open, then one probe per open second (plus attempts already in flight when it opened).
        var refused = run.Sim.GetStatistics().ConnectionsRefused;
        Assert.InRange(refused, 3, 12);
    }

    [Fact]
    public async Task CountsUnusableMessagesAndGoesOn()
    {
        await using var run = await FaultRun.StartAsync(s => s["Deribit:MaxFrameBytes"] = (1024 * 1024).ToString());
        var faults = run.Sim.Faults;

        var injected = faults.SendMalformedJson() + faults.SendTruncatedJson() + faults.SendUnknownMethod()
            + faults.SendWrongTypes() + faults.SendUnknownChannel() + faults.SendHugeFrame(2 * 1024 * 1024);

        Assert.Equal(12, injected);
        await Eventually.TrueAsync(() => run.Feed.Status.ParseErrors == injected, TimeSpan.FromSeconds(10), $"{injected} unusable messages counted",
            () => run.Feed.Status.Snapshot().ToString());
        var logged = run.Feed.Logs.Entries.Count(e => e.EventId.Id == 3010);
        Assert.InRange(logged, 1, injected - 1); // reported, but rate-limited

        // Still the same sessions, still every tick exactly once.
        var before = run.Feed.Sink.Count;
        await Eventually.TrueAsync(() => run.Feed.Sink.Count > before + 1_000, TimeSpan.FromSeconds(10), "ticks after the bad messages");
        run.Sim.TicksPerSecond = 0;
        await DeribitFeedUniverseTests.WaitForDrainAsync(run.Sim, run.Feed);
        FeedLedger.AssertExactlyOnceInOrder(run.Sim, run.Feed.Sink);
        Assert.Equal(0, run.Feed.Status.Reconnects);

        // A message cut off mid-frame and then a reset: the partial message is discarded with its connection.
        run.Sim.TicksPerSecond = FaultRun.TickRate;
        Assert.Equal(2, faults.SendTruncatedFrame());
        await run.AssertRecoversAsync(reconnectsAtLeast: 2);
    }

    /// <summary>A simulator with a ledger and a feed following its 200 instruments over two connections.</summary>
    private sealed class FaultRun : IAsyncDisposable
    {
        public const double TickRate = 2_000;

        private readonly FeedRun run;

        private FaultRun(FeedRun run)
        {
            this.run = run;
        }

        public DeribitSimulatorServer Sim => run.Sim;

        public FeedHarness Feed => run.Feed;

        public static async Task<FaultRun> StartAsync(Action<Dictionary<string, string?>>? configure = null)
        {
            var feedRun = await FeedRun.StartAsync(new SimulatorOptions { InstrumentCount = Instruments, TicksPerSecond = TickRate, RecordEmitted = true }, settings =>
            {
                settings["Deribit:ChannelsPerConnection"] = (Instruments / 2).ToString();
                configure?.Invoke(settings);
            });
            var run = new FaultRun(feedRun);
            try
            {
                await run.WaitFullySubscribedAsync();
                await Eventually.TrueAsync(() => run.Feed.Sink.Count >= 500, TimeSpan.FromSeconds(10), "first ticks");
                return run;
            }
            catch
            {
                await run.DisposeAsync();
                throw;
            }
        }

        public Task WaitFullySubscribedAsync() =>
            Eventually.TrueAsync(
                () => Feed.Status.ChannelsSubscribed == Instruments && Feed.Status.ConnectionsOpen == 2 && Sim.Connections.Sum(c => c.ChannelCount) == Instruments,
                TimeSpan.FromSeconds(30), $"all {Instruments} channels subscribed on two connections",
                () => $"{Feed.Status.Snapshot()}; simulator {string.Join(", ", Sim.Connections)}; log: {Feed.LogText()}");

        /// <summary>Waits for the feed to have resubscribed everything, then checks the disconnect bound on the ledger.</summary>
        public async Task AssertRecoversAsync(int reconnectsAtLeast)
        {
            await Eventually.TrueAsync(() => Feed.Status.Reconnects >= reconnectsAtLeast, TimeSpan.FromSeconds(20), $"{reconnectsAtLeast} reconnects",
                () => Feed.Status.Snapshot().ToString());
            await WaitFullySubscribedAsync();
            var recovered = FeedLedger.Marks(Sim);
            var received = Feed.Sink.Count;
            await Eventually.TrueAsync(() => Feed.Sink.Count >= received + 1_000, TimeSpan.FromSeconds(10), "ticks after recovery");
            Sim.TicksPerSecond = 0;
            await Eventually.TrueAsync(() =>
            {
                FeedLedger.AssertSubsequenceWithCompleteTail(Sim, Feed.Sink, recovered);
                return true;
            }, TimeSpan.FromSeconds(10), "every tick sent after recovery received, none duplicated or reordered");
        }

        public ValueTask DisposeAsync() => run.DisposeAsync();
    }
}
