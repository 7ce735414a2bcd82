using Laevitas.ChaosTests.Infrastructure;
using Xunit.Abstractions;

namespace Laevitas.ChaosTests.Combined;

/// <summary>Faults on top of each other: the database and the broker down, the exchange link dropped, a silo killed.</summary>
[Collection(ChaosCollection.Name)]
public sealed class CombinedFaultTests(ChaosCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task DatabaseBrokerExchangeAndSiloFaultsAtOnceLoseOnlyTheExchangeBound()
    {
        var outage = ChaosSettings.Outage;
        var chaosCase = await cluster.BeginCaseAsync("combined", 90,
            "Combined: PostgreSQL stopped, Kafka broker down, WebSocket dropped and a (non-leader) silo SIGKILLed and restarted, overlapping",
            $"{outage.TotalSeconds:0} s");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var leader = await cluster.WaitForLeaderAsync();
        var victim = cluster.Silos.First(s => s != leader && !ChaosCluster.IsFeedLeader(s));
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
        // No allowance for the kill. The victim runs no feed, so it has read nothing from the exchange that it could
        // lose; its grains answer the feed silos' dispatchers only for ticks the broker acknowledged or the spool
        // fsynced, and what its producer held when the broker stopped answering was moved into the spool within about
        // a second (the publisher's take-back). What it had not answered for, the dispatchers send again to the new
        // activations. (Until the take-back existed this case allowed the victim's instruments since the faults began.)
        await victim.KillAsync();
        chaosCase.Notes.Add($"{onVictim.Count} instrument grains on {victim.Name} when it was killed; no allowance for the kill");
        await Task.Delay(outage);
        cluster.Kafka.SetAllBrokersUp();
        await cluster.StartPostgresAsync();
        await cluster.RestartAsync(victim, generation);
        chaosCase.FaultEnded();

        var result = await cluster.EndCaseAsync(chaosCase, $"{victim.Name} killed and restarted");
        output.WriteLine(result.Describe());
        Assert.Equal(0, result.MissingUnexpected);
        Assert.Empty(result.Phantom);
        Assert.Empty(result.ValuesDiffering);
    }
}
