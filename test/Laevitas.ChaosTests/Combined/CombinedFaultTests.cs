using Laevitas.ChaosTests.Infrastructure;
using Xunit.Abstractions;

namespace Laevitas.ChaosTests.Combined;

/// <summary>Faults on top of each other: the database and the broker down, the exchange link dropped, a silo killed.</summary>
[Collection(ChaosCollection.Name)]
public sealed class CombinedFaultTests(ChaosCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task Database_broker_exchange_and_silo_faults_at_once_lose_only_the_exchange_bound()
    {
        var outage = ChaosSettings.Outage;
        var chaosCase = await cluster.BeginCaseAsync("combined", 90,
            "Combined: PostgreSQL stopped, Kafka broker down, WebSocket dropped and a (non-leader) silo SIGKILLed and restarted, overlapping",
            $"{outage.TotalSeconds:0} s");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var leader = await cluster.WaitForLeaderAsync();
        var victim = cluster.Silos.First(s => s != leader);
        var generation = (await cluster.MembershipRowAsync(victim))?.Generation ?? 0;
        var client = await cluster.ClientAsync();
        var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        var victimAddress = hosts.Keys.Single(a => a.Endpoint.Port == victim.SiloPort);
        var onVictim = (await client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics(null, [victimAddress]))
            .Where(g => g.GrainId.Type.ToString() == "instrument")
            .Select(g => g.GrainId.Key.ToString()!)
            .ToHashSet(StringComparer.Ordinal);

        chaosCase.FaultStarted();
        await cluster.Postgres.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        cluster.Kafka.SetAllBrokersDown();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var dropAt = ChaosCluster.NowMs();
        cluster.Simulator.Faults.DropAllConnections();
        chaosCase.Allowances.Add(new LossAllowance("in flight on the dropped connections", dropAt - (long)Exchange.ExchangeFaultTests.InFlight.TotalMilliseconds, dropAt + 500));
        var killAt = ChaosCluster.NowMs();
        await victim.KillAsync();
        // With the pipeline degraded, the victim's grains answer for ticks the broker has not acknowledged within
        // Instruments:DeliveryWait (at once once the broker lags): those still in its producer's memory die with the
        // process. The documented bound of a kill during such faults: the victim's instruments, since the faults began.
        chaosCase.Allowances.Add(new LossAllowance("held unacknowledged by the killed silo while the pipeline was degraded",
            chaosCase.FaultStartMs!.Value - 2_000, killAt, onVictim));
        chaosCase.Notes.Add($"{onVictim.Count} instrument grains on {victim.Name} when it was killed");
        await Task.Delay(outage);
        cluster.Kafka.SetAllBrokersUp();
        await cluster.StartPostgresAsync();
        await cluster.RestartAsync(victim, generation);
        chaosCase.FaultEnded();

        var result = await cluster.EndCaseAsync(chaosCase, $"{victim.Name} killed and restarted");
        output.WriteLine(result.Describe());
        Assert.Equal(0, result.MissingUnexpected);
        Assert.Empty(result.Phantom);
        Assert.Equal(0, result.Duplicates);
    }
}
