using ErrorCode = Confluent.Kafka.ErrorCode;
using Laevitas.ChaosTests.Infrastructure;
using Laevitas.LocalInfrastructure.Kafka;
using Xunit.Abstractions;

namespace Laevitas.ChaosTests.Broker;

/// <summary>The Kafka broker down, slow or failing requests: ticks wait in the silos and nothing is lost.</summary>
[Collection(ChaosCollection.Name)]
public sealed class BrokerFaultTests(ChaosCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task BrokerDownLosesNothing()
    {
        var outage = ChaosSettings.Outage;
        var chaosCase = await cluster.BeginCaseAsync("kafka-down", 20, "Kafka broker down (connections refused), then up", $"{outage.TotalSeconds:0} s");
        await Task.Delay(TimeSpan.FromSeconds(2));
        chaosCase.FaultStarted();
        cluster.Kafka.SetAllBrokersDown();
        await Task.Delay(outage);
        cluster.Kafka.SetAllBrokersUp();
        chaosCase.FaultEnded();
        await AssertReconciledAsync(chaosCase);
    }

    [Fact]
    public async Task SlowBrokerLosesNothing()
    {
        var slow = ChaosSettings.Degradation;
        var rtt = TimeSpan.FromMilliseconds(800);
        var chaosCase = await cluster.BeginCaseAsync("kafka-slow", 21, $"Kafka broker slow ({rtt.TotalMilliseconds:0} ms round trip)", $"{slow.TotalSeconds:0} s");
        await Task.Delay(TimeSpan.FromSeconds(2));
        chaosCase.FaultStarted();
        cluster.Kafka.SetAllBrokersRtt(rtt);
        await Task.Delay(slow);
        cluster.Kafka.SetAllBrokersRtt(TimeSpan.Zero);
        chaosCase.FaultEnded();
        await AssertReconciledAsync(chaosCase);
    }

    [Fact]
    public async Task PausedBrokerLosesNothing()
    {
        // Unlike kafka-down (connections refused, so clients fail fast and spool), a paused broker keeps its
        // connections and answers nothing: every request hangs until the client's own timeouts give up on it.
        // The mock broker models the pause by holding every answer for a round trip far longer than the pause. It
        // ends with the round trip back at zero (what it held goes out) and its connections reset, as a broker that
        // comes back after its clients gave up on it. Both halves of that are needed because of how the mock sends:
        // a connection whose answer was held keeps a write timer armed for the whole round trip, and a reset of
        // the round trip does not re-arm it, so the next answer that must wait (a fetch's wait for data) waits for
        // that stale timer. With the round trip equal to the pause, writers read nothing for up to 30 s after it
        // (CI: 7,390 ticks deleted unread by the mock's 5 MiB-per-partition retention; reproduced: 8,621); with a
        // 10-minute hold and no reset, one silo's writers read nothing for 6 minutes (37,853 missing).
        var paused = TimeSpan.FromSeconds(30);
        var hold = TimeSpan.FromMinutes(10);
        var chaosCase = await cluster.BeginCaseAsync("kafka-paused", 23,
            "Kafka broker paused: connections stay open, nothing is answered for 30 s (a blackholed peer, not a refused connection), then it answers what it held and resets its connections",
            $"{paused.TotalSeconds:0} s");
        await Task.Delay(TimeSpan.FromSeconds(2));
        chaosCase.FaultStarted();
        cluster.Kafka.SetAllBrokersRtt(hold);
        await Task.Delay(paused);
        cluster.Kafka.SetAllBrokersRtt(TimeSpan.Zero);
        cluster.Kafka.SetAllBrokersDown();
        cluster.Kafka.SetAllBrokersUp();
        chaosCase.FaultEnded();
        await AssertReconciledAsync(chaosCase);
    }

    [Fact]
    public async Task BrokerRequestErrorsLoseNothing()
    {
        var span = ChaosSettings.Degradation;
        var chaosCase = await cluster.BeginCaseAsync("kafka-errors", 22,
            "Kafka requests failing (Produce, Fetch, OffsetCommit answered with retriable errors)", $"{span.TotalSeconds:0} s");
        await Task.Delay(TimeSpan.FromSeconds(2));
        chaosCase.FaultStarted();
        var deadline = DateTime.UtcNow + span;
        var pushed = 0;
        while (DateTime.UtcNow < deadline)
        {
            // A burst of errors every half second: each client meets several, retries, and gets through in between.
            cluster.Kafka.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut, ErrorCode.NotEnoughReplicas);
            cluster.Kafka.PushRequestErrors(KafkaApiKey.Fetch, ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut);
            cluster.Kafka.PushRequestErrors(KafkaApiKey.OffsetCommit, ErrorCode.RequestTimedOut, ErrorCode.GroupCoordinatorNotAvailable);
            pushed += 7;
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        cluster.Kafka.ClearRequestErrors(KafkaApiKey.Produce);
        cluster.Kafka.ClearRequestErrors(KafkaApiKey.Fetch);
        cluster.Kafka.ClearRequestErrors(KafkaApiKey.OffsetCommit);
        chaosCase.FaultEnded();
        chaosCase.Notes.Add($"{pushed} request errors injected");
        await AssertReconciledAsync(chaosCase);
    }

    private async Task AssertReconciledAsync(ChaosCase chaosCase)
    {
        var result = await cluster.EndCaseAsync(chaosCase);
        output.WriteLine(result.Describe());
        Assert.Empty(result.Missing);
        Assert.Empty(result.Phantom);
        Assert.Empty(result.ValuesDiffering);
    }
}
