using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace Laevitas.Streaming.Kafka.Providers;

/// <summary>
/// Called by the pulling agent when it gives up delivering a batch. With an infinite MaxEventDeliveryTime that only
/// happens when the agent shuts down mid-retry; the receiver then never commits past the batch (see
/// <see cref="KafkaQueueAdapterReceiver"/>), so this only reports. Never faults the subscription: the writer's
/// implicit subscription must keep receiving.
/// </summary>
internal sealed partial class KafkaDeliveryFailureHandler(int partition, ILogger logger) : IStreamFailureHandler
{
    public bool ShouldFaultSubsriptionOnError => false;

    public Task OnDeliveryFailure(GuidId subscriptionId, string streamProviderName, StreamId streamIdentity, StreamSequenceToken? sequenceToken)
    {
        LogDeliveryFailure(streamProviderName, partition, sequenceToken?.SequenceNumber);
        return Task.CompletedTask;
    }

    public Task OnSubscriptionFailure(GuidId subscriptionId, string streamProviderName, StreamId streamIdentity, StreamSequenceToken? sequenceToken)
    {
        LogSubscriptionFailure(streamProviderName, partition, streamIdentity.ToString());
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 4112, Level = LogLevel.Warning, Message = "Stream {Provider}: delivery of the batch of partition {Partition} from offset {Offset} was abandoned; it stays uncommitted and is re-read by the queue's next owner")]
    private partial void LogDeliveryFailure(string provider, int partition, long? offset);

    [LoggerMessage(EventId = 4113, Level = LogLevel.Warning, Message = "Stream {Provider}: subscription handshake failed for partition {Partition} ({Stream}); the agent retries it")]
    private partial void LogSubscriptionFailure(string provider, int partition, string stream);
}
