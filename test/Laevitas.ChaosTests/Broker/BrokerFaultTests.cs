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
    public async Task Broker_down_loses_nothing()
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
    public async Task Slow_broker_loses_nothing()
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
    public async Task Broker_request_errors_lose_nothing()
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
        Assert.Equal(0, result.Duplicates);
    }
}
