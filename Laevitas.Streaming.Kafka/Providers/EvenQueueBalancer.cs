using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace Laevitas.Streaming.Kafka.Providers;

/// <summary>
/// Spreads the tick topic's queues (one per Kafka partition) evenly over the Active silos, and again whenever the
/// Active set changes: silos ordered oldest first (generation, then endpoint), partition <c>p</c> goes to silo
/// <c>p mod N</c>. Every silo computes the same answer from the same membership view.
/// </summary>
/// <remarks>
/// Orleans' default, the consistent-ring balancer, hashes queues onto a ring of silo ranges: with the few queues a
/// Kafka topic has it splits them unevenly (2/1/3 for 6 queues on 3 silos in the chaos suite) and a silo that joins
/// may get none at all. A queue that moves is released by its old owner and read by the new one from the committed
/// offset; while two silos' views differ a queue may briefly be read twice, which the writer's idempotent insert
/// absorbs, and commits only ever cover stored batches.
/// </remarks>
public sealed partial class EvenQueueBalancer : QueueBalancerBase
{
    private readonly ILogger<EvenQueueBalancer> logger;
    private QueueId[] allQueues = [];
    private volatile QueueId[] mine = [];

    public EvenQueueBalancer(IServiceProvider services, ILogger<EvenQueueBalancer> logger)
        : base(services, logger)
    {
        this.logger = logger;
    }

    /// <summary>Factory for <c>ConfigurePartitionBalancing</c>.</summary>
    public static IStreamQueueBalancer Create(IServiceProvider services, string name) =>
        ActivatorUtilities.CreateInstance<EvenQueueBalancer>(services);

    public override Task Initialize(IStreamQueueMapper queueMapper)
    {
        ArgumentNullException.ThrowIfNull(queueMapper);
        allQueues = [.. queueMapper.GetAllQueues().OrderBy(q => q.GetNumericId())];
        return base.Initialize(queueMapper);
    }

    public override IEnumerable<QueueId> GetMyQueues() => mine;

    /// <summary>The queues <paramref name="self"/> reads when <paramref name="active"/> are the Active silos.</summary>
    public static QueueId[] Assign(IReadOnlyList<QueueId> queues, IEnumerable<SiloAddress> active, SiloAddress self)
    {
        ArgumentNullException.ThrowIfNull(queues);
        ArgumentNullException.ThrowIfNull(active);
        var silos = active
            .OrderBy(s => s.Generation)
            .ThenBy(s => s.ToParsableString(), StringComparer.Ordinal)
            .ToList();
        var index = silos.IndexOf(self);
        if (index < 0)
        {
            return [];
        }

        var result = new List<QueueId>();
        for (var i = index; i < queues.Count; i += silos.Count)
        {
            result.Add(queues[i]);
        }

        return [.. result];
    }

    protected override void OnClusterMembershipChange(HashSet<SiloAddress> activeSilos)
    {
        var next = Assign(allQueues, activeSilos, SiloAddress);
        if (next.SequenceEqual(mine))
        {
            return;
        }

        mine = next;
        LogAssignment(logger, activeSilos.Count, string.Join(",", next.Select(q => q.GetNumericId())));
        _ = NotifyAsync();
    }

    private async Task NotifyAsync()
    {
        try
        {
            await NotifyListeners().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogNotifyFailed(logger, ex);
        }
    }

    [LoggerMessage(EventId = 4115, Level = LogLevel.Information, Message = "Stream queues rebalanced over {Silos} active silos; this silo reads partitions [{Partitions}]")]
    private static partial void LogAssignment(ILogger logger, int silos, string partitions);

    [LoggerMessage(EventId = 4116, Level = LogLevel.Warning, Message = "Telling the pulling agents about a new queue assignment failed")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception);
}
