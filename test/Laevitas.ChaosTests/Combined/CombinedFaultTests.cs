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

        chaosCase.FaultStarted();
        await cluster.Postgres.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        cluster.Kafka.SetAllBrokersDown();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var dropAt = ChaosCluster.NowMs();
        cluster.Simulator.Faults.DropAllConnections();
        chaosCase.Allowances.Add(new LossAllowance("in flight on the dropped connections", dropAt - (long)Exchange.ExchangeFaultTests.InFlight.TotalMilliseconds, dropAt + 500));
        await victim.KillAsync();
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
