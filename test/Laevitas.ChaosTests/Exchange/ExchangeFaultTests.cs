using Laevitas.Testing.Processes;
using Laevitas.Testing;
using Laevitas.ChaosTests.Infrastructure;
using Xunit.Abstractions;

namespace Laevitas.ChaosTests.Exchange;

/// <summary>
/// The exchange misbehaving. The feed reconnects, resubscribes and backs off; what the exchange itself loses (ticks
/// it wrote to a socket that died before the feed read them; ticker channels have no replay) is the documented bound,
/// and nothing else may be missing.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class ExchangeFaultTests(ChaosCluster cluster, ITestOutputHelper output)
{
    /// <summary>Ticks in flight in socket buffers when a connection dies: written up to this long before.</summary>
    public static readonly TimeSpan InFlight = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task DroppedConnectionLosesAtMostWhatWasInFlight()
    {
        var chaosCase = await cluster.BeginCaseAsync("ws-dropped", 30, "WebSocket dropped (TCP reset, no close handshake)", "instant");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var reconnects = ReconnectLines();
        chaosCase.FaultStarted();
        var accepted = cluster.Simulator.GetStatistics().ConnectionsAccepted;
        var dropped = cluster.Simulator.Faults.DropAllConnections();
        AllowInFlight(chaosCase, chaosCase.FaultStartMs!.Value, chaosCase.FaultStartMs.Value);
        await Eventually.TrueAsync(() => ReconnectLines() > reconnects, TimeSpan.FromSeconds(60), "the feed to log the end of its sessions");
        await WaitResubscribedAsync(accepted + dropped);
        chaosCase.FaultEnded();
        chaosCase.Notes.Add($"{dropped} connection(s) dropped");
        await AssertWithinBoundAsync(chaosCase);
    }

    [Fact]
    public async Task SilentExchangeIsDetectedByTheHeartbeatAndLosesOnlyTheBound()
    {
        var silence = ChaosSettings.Silence;
        var chaosCase = await cluster.BeginCaseAsync("ws-silent", 31, "WebSocket silent (no ticks, heartbeats or responses; link stays open)", $"{silence.TotalSeconds:0} s");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var reconnects = ReconnectLines();
        chaosCase.FaultStarted();
        cluster.Simulator.Faults.GoSilent(silence);
        await Eventually.TrueAsync(() => ReconnectLines() > reconnects, silence + TimeSpan.FromSeconds(10),
            "the feed to notice the dead link (heartbeat) and reconnect", cluster.DescribeSilos);
        var detected = ChaosCluster.NowMs() - chaosCase.FaultStartMs!.Value;
        await Eventually.TrueAsync(() => !cluster.Simulator.Faults.IsSilent, silence + TimeSpan.FromSeconds(5), "the silence to end");
        await WaitResubscribedAsync();
        chaosCase.FaultEnded();
        // Frames the exchange queued for the silent link go out to a socket the feed already closed.
        AllowInFlight(chaosCase, chaosCase.FaultStartMs.Value, chaosCase.FaultEndMs!.Value);
        chaosCase.Notes.Add($"dead link detected after {detected / 1000.0:0.0} s");
        await AssertWithinBoundAsync(chaosCase);
    }

    [Fact]
    public async Task RateLimitedSessionsBackOffAndResubscribe()
    {
        var chaosCase = await cluster.BeginCaseAsync("ws-10028", 32, "10028 too_many_requests on the next requests (session ended each time), link dropped to force them", "instant");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var limited = cluster.Simulator.GetStatistics().RateLimited;
        chaosCase.FaultStarted();
        cluster.Simulator.Faults.RejectNextRequests(4);
        cluster.Simulator.Faults.DropAllConnections();
        AllowInFlight(chaosCase, chaosCase.FaultStartMs!.Value, chaosCase.FaultStartMs.Value);
        await Eventually.TrueAsync(() => cluster.Silos.Any(s => s.HasLogged("10028")), TimeSpan.FromSeconds(60), "the feed to log the 10028 answer");
        await WaitResubscribedAsync();
        chaosCase.FaultEnded();
        chaosCase.Notes.Add($"{cluster.Simulator.GetStatistics().RateLimited - limited} requests answered 10028");
        await AssertWithinBoundAsync(chaosCase);
    }

    [Fact]
    public async Task RefusedConnectionsOpenTheCircuitBreakerWhichClosesAgain()
    {
        var refusal = ChaosSettings.Refusal;
        var chaosCase = await cluster.BeginCaseAsync("ws-refused", 33, "Exchange refusing connections (HTTP 503 on upgrade), link dropped", $"{refusal.TotalSeconds:0} s");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var leader = await cluster.WaitForLeaderAsync();
        var opened = Count(leader, "circuit breaker for");
        chaosCase.FaultStarted();
        cluster.Simulator.Faults.RefuseConnections(refusal, 503);
        cluster.Simulator.Faults.DropAllConnections();
        AllowInFlight(chaosCase, chaosCase.FaultStartMs!.Value, chaosCase.FaultStartMs.Value);
        await Eventually.TrueAsync(() => leader.Lines.Any(l => l.Contains("circuit breaker", StringComparison.Ordinal) && l.Contains("opened", StringComparison.Ordinal)),
            refusal, "the circuit breaker to open");
        await Eventually.TrueAsync(() => !cluster.Simulator.Faults.IsRefusingConnections, refusal + TimeSpan.FromSeconds(5), "the refusal to end");
        await WaitResubscribedAsync();
        await Eventually.TrueAsync(() => leader.Lines.Any(l => l.Contains("circuit breaker", StringComparison.Ordinal) && l.Contains("closed", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the circuit breaker to close");
        chaosCase.FaultEnded();
        chaosCase.Notes.Add($"circuit breaker opened and closed ({Count(leader, "circuit breaker for") - opened} breaker log lines); {cluster.Simulator.GetStatistics().ConnectionsRefused} upgrades refused in all");
        await AssertWithinBoundAsync(chaosCase);
    }

    private void AllowInFlight(ChaosCase chaosCase, long fromMs, long toMs) =>
        chaosCase.Allowances.Add(new LossAllowance("in flight on the dropped connections", fromMs - (long)InFlight.TotalMilliseconds, toMs + 500));

    /// <summary>
    /// Every instrument subscribed again on live connections (and, when given, after at least that many connections
    /// were accepted in all, so counts of the dropped connections cannot pass for the new ones).
    /// </summary>
    private async Task WaitResubscribedAsync(long acceptedAtLeast = 0)
    {
        var target = cluster.Simulator.Universe.Active.Count(i => i.SettlementCurrency is "BTC" or "ETH" or "USDC");
        await Eventually.TrueAsync(
            () => cluster.Simulator.GetStatistics() is var s && s.ConnectionsAccepted >= acceptedAtLeast && s.Subscriptions >= target,
            ChaosSettings.Patience, "the feed to resubscribe every instrument",
            () => $"{cluster.Simulator.GetStatistics()}; {target} instruments; {cluster.DescribeSilos()}");
    }

    private int ReconnectLines() => cluster.Silos.Sum(s => Count(s, "session ended"));

    private static int Count(SiloProcess silo, string fragment) => silo.Lines.Count(l => l.Contains(fragment, StringComparison.Ordinal));

    private async Task AssertWithinBoundAsync(ChaosCase chaosCase)
    {
        var result = await cluster.EndCaseAsync(chaosCase);
        output.WriteLine(result.Describe());
        Assert.Equal(0, result.MissingUnexpected);
        Assert.Empty(result.Phantom);
        Assert.Empty(result.ValuesDiffering);
    }
}
