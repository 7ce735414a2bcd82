using Confluent.Kafka;
using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Streaming.Kafka;
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace Laevitas.Grains.Publishing;

// The producer seam: building librdkafka's producer, handing it one tick, and what comes back from it (delivery
// reports, client errors, ticks refused for good).
public sealed partial class KafkaTickPublisher
{
    /// <summary>
    /// Hands <paramref name="tick"/> to the producer. True when it is accounted for: queued, or rejected for good
    /// (counted); false when it must wait (queue full, no usable producer): the caller spools it or retries.
    /// </summary>
    private bool TryProduce(RawTick tick, DeliveryTracker? tracker = null)
    {
        if (tick.Payload.Length > options.MaxTickBytes)
        {
            // A spool record left by a run with a larger bound: it could never be sent, and waiting would hold up
            // every tick behind it, forever.
            RejectOversized(tick, tracker);
            return true;
        }

        var currentProducer = producer;
        if (currentProducer is null || fatalError)
        {
            return false;
        }

        var message = new Message<RawTick, byte[]>
        {
            // The tick itself is the key (serialized as its instrument name): librdkafka hands it back in the
            // delivery report, which is how ticks taken back from the producer at shutdown are recovered.
            Key = tick,
            Value = tick.Payload,
            Timestamp = TickRecord.TimestampFor(tick.ReceivedAtMs),
        };

        Interlocked.Increment(ref inFlight);
        var awaited = tracker is not null ? 1 : 0;
        Interlocked.Add(ref awaitedInFlight, awaited);
        try
        {
            currentProducer.Produce(topic, message, tracker?.Handler ?? deliveryHandler);
            return true;
        }
        catch (ProduceException<RawTick, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
        {
            Interlocked.Decrement(ref inFlight);
            Interlocked.Add(ref awaitedInFlight, -awaited);
            return false;
        }
        catch (ProduceException<RawTick, byte[]> ex) when (IsPermanent(ex.Error.Code))
        {
            // Refused for what the message is, not for the producer's state: it would be refused again forever.
            Interlocked.Decrement(ref inFlight);
            Interlocked.Add(ref awaitedInFlight, -awaited);
            Reject(tick, tracker, ex.Error.Code, ex.Error.Reason);
            return true;
        }
        catch (KafkaException ex)
        {
            // Anything else (fatal producer state, client closing): keep the tick — the spool takes it.
            Interlocked.Decrement(ref inFlight);
            Interlocked.Add(ref awaitedInFlight, -awaited);
            RecordError(ex.Error);
            return false;
        }
        catch (ObjectDisposedException)
        {
            Interlocked.Decrement(ref inFlight);
            Interlocked.Add(ref awaitedInFlight, -awaited);
            return false;
        }
    }

    // Errors librdkafka returns at produce time for the message itself; retrying the same message cannot succeed.
    private static bool IsPermanent(ErrorCode code) =>
        code is ErrorCode.MsgSizeTooLarge or ErrorCode.InvalidMsg or ErrorCode.InvalidMsgSize or ErrorCode.RecordListTooLarge or ErrorCode.Local_InvalidArg;

    private void RejectOversized(RawTick tick, DeliveryTracker? tracker) =>
        Reject(tick, tracker, ErrorCode.MsgSizeTooLarge,
            $"payload of {tick.Payload.Length} bytes is above {PublisherOptions.SectionName}:MaxTickBytes ({options.MaxTickBytes})");

    private void Reject(RawTick tick, DeliveryTracker? tracker, ErrorCode code, string reason)
    {
        Interlocked.Increment(ref rejected);
        Interlocked.Increment(ref dropped);
        RecordError(new Error(code, reason));
        tracker?.Settled();
        if (spool is { HasUnacknowledged: true } replayed)
        {
            replayed.Acknowledge(tick);
        }

        if (errorLog.ShouldLog(out var suppressed))
        {
            PublisherLog.Rejected(logger, tick.InstrumentName, tick.Timestamp, code, reason, suppressed + 1, Interlocked.Read(ref rejected));
        }
    }

    private void OnDelivered(DeliveryReport<RawTick, byte[]> report, DeliveryTracker? tracker)
    {
        Interlocked.Decrement(ref inFlight);
        if (tracker is not null)
        {
            Interlocked.Decrement(ref awaitedInFlight);
        }

        if (report.Error.Code is ErrorCode.Local_PurgeQueue or ErrorCode.Local_PurgeInflight && purged is { } taken)
        {
            // Taken back (broker away, shutdown, producer replaced): the tick goes to the spool, not to the error
            // count; its caller, and a record replayed from the spool, are settled only once its new copy is on disk.
            taken.Enqueue((report.Message.Key, tracker));
            return;
        }

        try
        {
            Account(report);
        }
        finally
        {
            tracker?.Settled();
        }
    }

    private void Account(DeliveryReport<RawTick, byte[]> report)
    {

        // A record replayed from the spool: its segment file may go once all its records are settled.
        if (spool is { HasUnacknowledged: true } replayed)
        {
            replayed.Acknowledge(report.Message.Key);
        }

        if (report.Error.Code == ErrorCode.NoError)
        {
            Volatile.Write(ref lastProgressMs, Environment.TickCount64);
            Interlocked.Increment(ref published);
            return;
        }

        // With no message timeout and an idempotent producer, librdkafka retries everything retriable itself;
        // what reaches here is permanent (message too large, topic gone, authorization, fatal producer state).
        Interlocked.Increment(ref deliveryErrors);
        Interlocked.Increment(ref dropped);
        RecordError(report.Error);
        if (errorLog.ShouldLog(out var suppressed))
        {
            PublisherLog.DeliveryFailed(logger, report.Message.Key?.InstrumentName, report.Error.Code, report.Error.Reason, suppressed + 1);
        }
    }

    private IProducer<RawTick, byte[]> BuildProducer()
    {
        var config = KafkaClientConfigs.Producer(kafkaOptions, $"laevitas-publisher-{Environment.MachineName}");
        config.QueueBufferingMaxMessages = options.BufferMaxMessages;
        config.QueueBufferingMaxKbytes = options.BufferMaxKBytes;
        // Level one waits for the broker as long as it takes; the bound is on size, not on time.
        config.MessageTimeoutMs = 0;
        // A topic missing from the broker's metadata (not yet provisioned) would otherwise fail every tick after
        // 30 s; let them wait, like for an unreachable broker, for up to librdkafka's maximum of an hour.
        config.TopicMetadataPropagationMaxMs = 3_600_000;
        // Only the delivery outcome is needed back, not the key/value/timestamp copies.
        config.DeliveryReportFields = "key";
        return new ProducerBuilder<RawTick, byte[]>(config)
            .SetKeySerializer(InstrumentNameKeySerializer.Instance)
            .SetErrorHandler((_, error) => OnClientError(error))
            .SetLogHandler((_, message) => PublisherLog.Client(logger, message.Level.ToString(), message.Facility, message.Message))
            .Build();
    }

    private void OnClientError(Error error)
    {
        RecordError(error);
        if (error.IsFatal)
        {
            fatalError = true;
            lock (gate)
            {
                // New ticks go to the spool; the replay loop replaces the producer.
                if (!spoolingFlag)
                {
                    spoolingFlag = true;
                    spoolingStarted.Release();
                }
            }
        }

        if (errorLog.ShouldLog(out var suppressed))
        {
            PublisherLog.ClientError(logger, error.Code, error.Reason, error.IsFatal, suppressed + 1);
        }
    }

    private void RecordError(Error error)
    {
        Volatile.Write(ref lastError, $"{error.Code}: {error.Reason}");
        Interlocked.Exchange(ref lastErrorAtMs, timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
    }
}
