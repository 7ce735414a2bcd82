using System.Diagnostics;
using Confluent.Kafka;
using Laevitas.Streaming.Kafka;
using Laevitas.LocalInfrastructure.Kafka;
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace Laevitas.Bench.EndToEnd;

/// <summary>
/// The broker's ceiling for this workload: one producer and one consumer with the pipeline's own client settings
/// (<see cref="KafkaClientConfigs"/>), running at the same time on a fresh topic with the pipeline's partition count,
/// moving the simulator's payloads (key = instrument, value = ticker JSON) as fast as they can. The rate counts a
/// message once it has been consumed, i.e. after the whole trip.
/// </summary>
internal static class KafkaBaseline
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(60);

    public static async Task<KafkaBaselineResult> RunAsync(
        string servers, MockKafkaCluster? cluster, int partitions, SimulatorPayloads payloads, TimeSpan duration, CancellationToken cancellationToken)
    {
        var topic = $"bench-baseline-{Environment.ProcessId}-{DateTime.UtcNow:HHmmss}";
        var options = new KafkaOptions { BootstrapServers = servers, Topic = topic, Partitions = partitions };
        if (cluster is not null)
        {
            cluster.CreateTopic(topic, partitions);
        }
        else
        {
            await KafkaTopicProvisioner.EnsureTopicAsync(options, TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        }

        try
        {
            var cpu = CpuClock.Start();
            var stopwatch = Stopwatch.StartNew();
            var producing = new StrongBox();
            var consumer = Task.Factory.StartNew(() => Consume(options, partitions, producing, stopwatch, cancellationToken), TaskCreationOptions.LongRunning);
            Produce(options, payloads, duration, producing, cancellationToken);
            var (consumed, lastAt, trimmed) = await consumer;
            return new KafkaBaselineResult(producing.Delivered, consumed, lastAt, cpu.Elapsed, trimmed);
        }
        finally
        {
            cluster?.DeleteTopic(topic);
        }
    }

    private static void Produce(KafkaOptions options, SimulatorPayloads payloads, TimeSpan duration, StrongBox state, CancellationToken cancellationToken)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(KafkaClientConfigs.Producer(options, "bench-baseline-producer")).Build();
        Action<DeliveryReport<byte[], byte[]>> onDelivery = report =>
        {
            if (!report.Error.IsError)
            {
                Interlocked.Increment(ref state.Delivered);
            }
        };

        var stopwatch = Stopwatch.StartNew();
        for (var i = 0L; stopwatch.Elapsed < duration && !cancellationToken.IsCancellationRequested; i++)
        {
            var n = (int)(i % payloads.Count);
            var message = new Message<byte[], byte[]> { Key = payloads.Keys[n], Value = payloads.Values[n] };
            while (true)
            {
                try
                {
                    producer.Produce(options.Topic, message, onDelivery);
                    break;
                }
                catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    // The producer's queue is bounded: let deliveries make room, as the silo's publisher must.
                    producer.Poll(TimeSpan.FromMilliseconds(5));
                }
            }
        }

        producer.Flush(DrainTimeout);
        Volatile.Write(ref state.Done, true);
    }

    private static (long Consumed, TimeSpan LastAt, bool Trimmed) Consume(
        KafkaOptions options, int partitions, StrongBox producing, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        var config = KafkaClientConfigs.Consumer(options, $"bench-baseline-{Guid.NewGuid():N}", "bench-baseline-consumer");
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        var assigned = Enumerable.Range(0, partitions).Select(p => new TopicPartition(options.Topic, p)).ToList();
        consumer.Assign(assigned.Select(tp => new TopicPartitionOffset(tp, Offset.Beginning)));
        long consumed = 0;
        var lastAt = TimeSpan.Zero;
        var drainStarted = TimeSpan.Zero;
        var nextCheck = TimeSpan.Zero;
        while (!cancellationToken.IsCancellationRequested)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is { IsPartitionEOF: false })
            {
                consumed++;
                lastAt = stopwatch.Elapsed;
                continue;
            }

            if (!Volatile.Read(ref producing.Done))
            {
                continue;
            }

            if (drainStarted == TimeSpan.Zero)
            {
                drainStarted = stopwatch.Elapsed;
            }

            // Everything the producer delivered has been read, or the broker dropped what was not read in time
            // (the embedded broker keeps only the newest few MiB per partition).
            if (consumed >= Volatile.Read(ref producing.Delivered) || stopwatch.Elapsed - drainStarted > DrainTimeout)
            {
                break;
            }

            if (stopwatch.Elapsed >= nextCheck)
            {
                nextCheck = stopwatch.Elapsed + TimeSpan.FromMilliseconds(500);
                if (assigned.All(tp => consumer.Position(tp).Value >= consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High.Value))
                {
                    break;
                }
            }
        }

        // Trimming after everything was read is harmless; it matters only when it took messages before they were read.
        var trimmed = consumed < Volatile.Read(ref producing.Delivered)
                      && assigned.Any(tp => consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).Low.Value > 0);
        consumer.Close();
        return (consumed, lastAt, trimmed);
    }

    private sealed class StrongBox
    {
        public long Delivered;
        public bool Done;
    }
}
