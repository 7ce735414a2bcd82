using Laevitas.Testing;
using Laevitas.Diagnostics;
using System.Diagnostics.Metrics;
using Laevitas.DeribitSimulator;
using Laevitas.Feed;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Laevitas.Tests.Feed;

/// <summary>
/// Heartbeats at the exchange's real floor (10 s), so this takes ~20 s; it runs in its own class, in parallel
/// with the others. The simulator hangs up on a connection that leaves a test_request unanswered for an interval.
/// </summary>
public class DeribitFeedHeartbeatTests
{
    [Fact]
    public async Task AnswersEveryTestRequestSoTheSessionSurvivesHeartbeatsAndReportsMetrics()
    {
        await using var run = await FeedRun.StartAsync(new SimulatorOptions { InstrumentCount = 20, TicksPerSecond = 200 });
        using var metrics = new HostMeterReader(run.Feed.Services.GetRequiredService<IMeterFactory>());

        // The second test_request arrives at ~20 s, right after the exchange checked that the first was answered.
        await Eventually.TrueAsync(() => run.Feed.Status.TestRequestsAnswered >= 2, TimeSpan.FromSeconds(35), "two test_requests answered",
            () => run.Feed.Status.Snapshot().ToString());

        var statistics = run.Sim.GetStatistics();
        Assert.Equal(0, statistics.HeartbeatTimeouts);
        Assert.Equal(0, run.Feed.Status.Reconnects);
        Assert.Equal(1, run.Feed.Status.ConnectionsOpen);
        Assert.Equal(10, Assert.Single(run.Sim.Connections).HeartbeatIntervalSeconds);
        var ticks = run.Feed.Sink.Count;
        await Eventually.TrueAsync(() => run.Feed.Sink.Count > ticks, TimeSpan.FromSeconds(5), "ticks still flowing");

        var observed = metrics.Collect();
        Assert.True(observed["laevitas.feed.ticks"] >= ticks, $"laevitas.feed.ticks = {observed["laevitas.feed.ticks"]}");
        Assert.Equal(20, observed["laevitas.feed.channels"]);
        Assert.Equal(20, observed["laevitas.feed.instruments"]);
        Assert.Equal(1, observed["laevitas.feed.connections"]);
        Assert.Equal(0, observed["laevitas.feed.circuit_state"]);
        Assert.True(observed["laevitas.feed.test_requests"] >= 2);
        Assert.Equal(0, observed["laevitas.feed.parse_errors"]);
        Assert.Equal(0, observed["laevitas.feed.reconnects"]);
    }
}
