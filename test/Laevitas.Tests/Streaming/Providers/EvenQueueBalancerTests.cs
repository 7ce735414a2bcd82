using System.Net;
using Laevitas.Streaming.Kafka.Providers;
using Orleans.Streams;

namespace Laevitas.Tests.Streaming.Providers;

public class EvenQueueBalancerTests
{
    private static readonly QueueId[] Queues = [.. new KafkaStreamQueueMapper("Kafka", "deribit", 6).GetAllQueues().OrderBy(q => q.GetNumericId())];

    [Theory]
    [InlineData(1, new[] { 6 })]
    [InlineData(2, new[] { 3, 3 })]
    [InlineData(3, new[] { 2, 2, 2 })]
    [InlineData(4, new[] { 2, 2, 1, 1 })]
    [InlineData(7, new[] { 1, 1, 1, 1, 1, 1, 0 })]
    public void EveryQueueGoesToExactlyOneActiveSiloAndTheSplitIsEven(int silos, int[] expectedCounts)
    {
        var active = Enumerable.Range(0, silos).Select(i => Silo(11111 + i, generation: 100 + i)).ToList();

        var assignments = active.Select(self => EvenQueueBalancer.Assign(Queues, active, self)).ToList();

        Assert.Equal(expectedCounts, assignments.Select(a => a.Length));
        Assert.Equal(Queues.OrderBy(q => q.GetNumericId()), assignments.SelectMany(a => a).OrderBy(q => q.GetNumericId()));
    }

    [Fact]
    public void EverySiloComputesTheSameSplitWhateverOrderItSeesTheMembersIn()
    {
        var active = new[] { Silo(30000, 300), Silo(11111, 100), Silo(20000, 200), Silo(10000, 200) };
        var shuffled = active.Reverse().ToArray();

        foreach (var self in active)
        {
            Assert.Equal(EvenQueueBalancer.Assign(Queues, active, self), EvenQueueBalancer.Assign(Queues, shuffled, self));
        }

        // Oldest first: the generation-100 silo reads partitions 0 and 4.
        Assert.Equal([0u, 4u], EvenQueueBalancer.Assign(Queues, active, active[1]).Select(q => q.GetNumericId()));
    }

    [Fact]
    public void ASiloThatIsNotActiveReadsNothing()
    {
        var active = new[] { Silo(11111, 100), Silo(11112, 101) };

        Assert.Empty(EvenQueueBalancer.Assign(Queues, active, Silo(11113, 102)));
    }

    private static SiloAddress Silo(int port, int generation) => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), generation);
}
