using Laevitas.Testing;
using Laevitas.ChaosTests.Infrastructure;
using Laevitas.Grains.Abstractions.Instruments;
using Xunit.Abstractions;

namespace Laevitas.ChaosTests.Silos;

/// <summary>
/// Silo processes killed (SIGKILL: no shutdown code runs) and added while the simulator streams (issue 7): nothing is
/// lost or stored twice, grains come back elsewhere with their persisted state, stream queues move, the client answers.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class SiloFaultTests(ChaosCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task KillingASiloThatDoesNotRunTheFeedLosesNothingAndMovesItsGrainsAndQueues()
    {
        var chaosCase = await cluster.BeginCaseAsync("silo-killed", 40,
            "Silo process SIGKILLed (one that runs no feed): grains and queues move, then it is restarted", "until declared dead + restart");
        var client = await cluster.ClientAsync();
        var feedSilos = await cluster.WaitForFeedSilosAsync();
        var management = client.GetGrain<IManagementGrain>(0);

        // The non-leader hosting the most instrument grains (a silo restarted by an earlier case may host few).
        var instruments = (await management.GetDetailedGrainStatistics(null, null))
            .Where(g => g.GrainId.Type.ToString() == "instrument")
            .ToList();
        var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        var victim = cluster.Silos
            .Where(s => !feedSilos.Contains(s) && s.IsRunning)
            .OrderByDescending(s => instruments.Count(g => g.SiloAddress.Endpoint.Port == s.SiloPort))
            .First();
        var victimAddress = hosts.Keys.Single(a => a.Endpoint.Port == victim.SiloPort);
        var victimQueues = ChaosCluster.QueuesOf(victim);

        // Instruments whose grains live on the victim, with state they have already persisted.
        var onVictim = instruments
            .Where(g => g.SiloAddress.Equals(victimAddress))
            .Select(g => g.GrainId.Key.ToString()!)
            .Take(20)
            .ToList();
        Assert.NotEmpty(onVictim);
        await Eventually.TrueAsync(async () => await PersistedCountAsync(onVictim) == onVictim.Count, TimeSpan.FromSeconds(60),
            "the victim's instrument grains to have persisted their state");
        var before = new Dictionary<string, InstrumentSnapshot>();
        foreach (var name in onVictim)
        {
            before[name] = await client.GetGrain<IInstrumentGrain>(name).GetSnapshotAsync();
        }

        chaosCase.FaultStarted();
        var generation = await cluster.KillAsync(victim);

        // Its stream queues are read by the others once membership declares it dead.
        await Eventually.TrueAsync(
            () => victimQueues.All(q => cluster.Silos.Where(s => s.IsRunning).Any(s => ChaosCluster.QueuesOf(s).Contains(q))),
            ChaosSettings.Patience, $"the victim's queues [{string.Join(",", victimQueues)}] to move to the other silos", cluster.DescribeSilos);
        var movedAfter = (ChaosCluster.NowMs() - chaosCase.FaultStartMs!.Value) / 1000.0;

        // Its grains answer from the other silos, with the state they had persisted before the kill, and keep ticking.
        await Eventually.TrueAsync(
            async () =>
            {
                foreach (var name in onVictim)
                {
                    var now = await client.GetGrain<IInstrumentGrain>(name).GetSnapshotAsync();
                    if (now.LastTickTimestamp <= before[name].LastTickTimestamp)
                    {
                        return false;
                    }
                }

                return true;
            },
            ChaosSettings.Patience, "the victim's instruments to answer the client and take new ticks elsewhere");
        foreach (var name in onVictim)
        {
            var now = await client.GetGrain<IInstrumentGrain>(name).GetSnapshotAsync();
            Assert.Equal(before[name].FirstSeenAtMs, now.FirstSeenAtMs);
            Assert.NotNull(now.Info);
            Assert.True(now.TicksSeen > 0, $"{name}: ticks counted across the reactivation");
        }

        var nowHostedOn = (await management.GetDetailedGrainStatistics(null, null))
            .Where(g => g.GrainId.Type.ToString() == "instrument" && onVictim.Contains(g.GrainId.Key.ToString()!))
            .Select(g => g.SiloAddress)
            .ToList();
        Assert.DoesNotContain(victimAddress, nowHostedOn);
        Assert.NotEmpty(nowHostedOn);

        await cluster.RestartAsync(victim, generation);
        chaosCase.FaultEnded();
        chaosCase.Notes.Add($"queues [{string.Join(",", victimQueues)}] moved after {movedAfter:0.0} s; {onVictim.Count} grains reactivated elsewhere with persisted state");
        var result = await cluster.EndCaseAsync(chaosCase);
        output.WriteLine(result.Describe());
        Assert.Empty(result.Missing);
        Assert.Empty(result.Phantom);
        Assert.Empty(result.ValuesDiffering);
    }

    [Fact]
    public async Task AddingASiloWhileStreamingRebalancesTheQueues()
    {
        var chaosCase = await cluster.BeginCaseAsync("silo-added", 42, "A fourth silo joins while streaming, then leaves gracefully", "join + leave");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var before = cluster.DescribeSilos();
        var leader = await cluster.WaitForLeaderAsync();
        var added = cluster.AddSlot();
        try
        {
            chaosCase.FaultStarted();
            added.Start();
            await cluster.WaitActiveAsync(added);
            await Eventually.TrueAsync(() => ChaosCluster.QueuesOf(added).Count > 0, ChaosSettings.Patience,
                "the new silo to take over some stream queues", cluster.DescribeSilos);
            await Eventually.TrueAsync(
                () => Enumerable.Range(0, ChaosCluster.Partitions).All(p => cluster.Silos.Count(s => ChaosCluster.QueuesOf(s).Contains(p)) == 1),
                ChaosSettings.Patience, "every queue read by exactly one silo", cluster.DescribeSilos);
            var balanced = cluster.DescribeSilos();
            Assert.True(ChaosCluster.IsFeedLeader(leader), $"the feeds stay on the oldest silos: {balanced}");
            Assert.False(ChaosCluster.IsFeedLeader(added), $"the youngest silo takes no feed: {balanced}");
            chaosCase.Notes.Add($"queues before: {before}; with the new silo: {balanced}");
        }
        finally
        {
            await cluster.RemoveSlotAsync(added);
        }

        await Eventually.TrueAsync(
            () => Enumerable.Range(0, ChaosCluster.Partitions).All(p => cluster.Silos.Count(s => ChaosCluster.QueuesOf(s).Contains(p)) == 1),
            ChaosSettings.Patience, "every queue read by exactly one remaining silo after it left", cluster.DescribeSilos);
        chaosCase.FaultEnded();
        var result = await cluster.EndCaseAsync(chaosCase);
        output.WriteLine(result.Describe());
        Assert.Empty(result.Missing);
        Assert.Empty(result.Phantom);
        Assert.Empty(result.ValuesDiffering);
    }

    private async Task<int> PersistedCountAsync(IReadOnlyList<string> instruments)
    {
        await using var command = cluster.Database.CreateCommand(
            "SELECT count(*) FROM orleans_grain_state WHERE state_name = 'instrument' AND grain_id_string = ANY(@keys) AND payload IS NOT NULL");
        command.Parameters.AddWithValue("keys", instruments.ToArray());
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }
}
