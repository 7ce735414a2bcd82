using Laevitas.ChaosTests.Infrastructure;
using Laevitas.Grains.Abstractions.Writing;
using Orleans.Core.Internal;
using Xunit.Abstractions;

namespace Laevitas.ChaosTests.Writer;

/// <summary>Tick writer grains deactivated and migrated while batches stream through them.</summary>
[Collection(ChaosCollection.Name)]
public sealed class WriterFaultTests(ChaosCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task WriterGrainsDeactivatedAndMigratedMidStreamLoseNothing()
    {
        var chaosCase = await cluster.BeginCaseAsync("writer-deactivated", 50,
            "Every tick writer grain deactivated (3 rounds) and migrated (1 round) while batches stream", "~8 s");
        var client = await cluster.ClientAsync();
        var writers = Enumerable.Range(0, ChaosCluster.Partitions).Select(p => client.GetGrain<ITickWriterGrain>(p)).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var before = await Task.WhenAll(writers.Select(w => w.GetStatusAsync()));
        Assert.All(before, s => Assert.True(s.Batches > 0, $"partition {s.Partition} writer has stored batches"));

        chaosCase.FaultStarted();
        for (var round = 0; round < 4; round++)
        {
            foreach (var writer in writers)
            {
                var management = writer.AsReference<IGrainManagementExtension>();
                // The writer is busy with a batch nearly all the time: the request lands mid-batch and takes effect
                // when that batch's call returns; the next batch activates a fresh writer.
                await (round == 3 ? management.MigrateOnIdle() : management.DeactivateOnIdle());
            }

            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        chaosCase.FaultEnded();
        var after = await Task.WhenAll(writers.Select(w => w.GetStatusAsync()));
        // Counters are per activation: a writer that started over counts fewer batches than before.
        var restarted = before.Zip(after).Count(p => p.Second.Batches < p.First.Batches);
        Assert.True(restarted > 0, "writer activations were replaced");
        chaosCase.Notes.Add($"{restarted} of {writers.Length} writers observed with a fresh activation");
        var result = await cluster.EndCaseAsync(chaosCase);
        output.WriteLine(result.Describe());
        Assert.Empty(result.Missing);
        Assert.Empty(result.Phantom);
        Assert.Empty(result.ValuesDiffering);
    }
}
