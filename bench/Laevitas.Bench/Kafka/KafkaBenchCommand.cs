using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Laevitas.Streaming.Kafka;
using Laevitas.LocalInfrastructure.Kafka;
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace Laevitas.Bench.Kafka;

/// <summary>
/// Produces, then consumes, a million ticker-like messages through Kafka (the embedded mock cluster unless
/// <c>--bootstrap</c> is given) and prints messages/s and MB/s for each phase separately. With <c>--compare</c> it
/// also measures librdkafka's defaults, the compression codecs and consumer variants, which is how the
/// settings in <see cref="KafkaClientConfigs"/> were chosen.
/// </summary>
internal sealed class KafkaBenchCommand : IBenchCommand
{
    private static readonly TimeSpan PhaseTimeout = TimeSpan.FromMinutes(5);

    public string Name => "kafka";

    public string Usage =>
        "kafka [--messages 1000000] [--partitions 32] [--brokers 3] [--compression zstd|lz4|snappy|gzip|none] [--compare [all|producers|consumers]] [--repeat 1] [--only label,fragments] [--bootstrap host:port]";

    public async Task<int> RunAsync(BenchArguments arguments, CancellationToken cancellationToken)
    {
        var messages = arguments.Int("messages", 1_000_000);
        // The mock keeps only ~5 MiB per partition: enough partitions that the whole produced set stays readable.
        var partitions = arguments.Int("partitions", 32);
        var brokers = arguments.Int("brokers", 3);
        var codec = arguments.String("compression");
        CompressionType? compression = codec is null ? null : Enum.Parse<CompressionType>(codec, ignoreCase: true);
        var compare = arguments.FlagOrString("compare", "all");
        if (compare is not (null or "all" or "producers" or "consumers"))
        {
            throw new ArgumentException($"--compare takes all, producers or consumers, not '{compare}'.");
        }

        var bootstrap = arguments.String("bootstrap");
        // Machines shared with other work give noisy wall-clock figures: repeat and compare the best runs.
        var repeat = arguments.Int("repeat", 1);
        // Comma-separated label fragments: compare only the profiles whose label contains one of them.
        var only = arguments.String("only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        arguments.RejectUnknown();

        using var cluster = bootstrap is null ? MockKafkaCluster.Create(brokers) : null;
        var servers = bootstrap ?? cluster!.BootstrapServers;
        var payloads = TickerPayloads.Generate();
        Console.WriteLine($"Kafka bench: {messages:N0} messages of {payloads.AverageBytes:0} bytes (key+value), {partitions} partitions, " +
                          $"{(cluster is null ? "cluster " + servers : $"embedded mock cluster of {brokers} brokers")}, librdkafka {Library.VersionString}, " +
                          $"{Environment.ProcessorCount} cores");
        Console.WriteLine();

        var run = new Run(servers, partitions, messages, payloads, cluster, cancellationToken);
        if (compare is "all" or "producers")
        {
            for (var round = 1; round <= repeat; round++)
            {
                foreach (var (label, producer) in ProducerProfiles(servers).Where(p => Selected(p.Label, only)))
                {
                    run.Discard(await run.ProduceAsync(label, producer));
                }
            }
        }

        var tuned = KafkaClientConfigs.Producer(Options(servers, "bench"), "bench-producer");
        tuned.CompressionType = compression ?? tuned.CompressionType;
        var topic = await run.ProduceAsync($"tuned (KafkaClientConfigs), {tuned.CompressionType.ToString()!.ToLowerInvariant()}", tuned);
        if (!run.CheckNothingTrimmed(topic))
        {
            return 1;
        }

        var profiles = compare is "all" or "consumers" ? ConsumerProfiles(servers).Where(p => Selected(p.Label, only)).ToList() : [("tuned (KafkaClientConfigs)", KafkaClientConfigs.Consumer(Options(servers, topic), "bench", "bench-consumer"))];
        for (var round = 1; round <= repeat; round++)
        {
            foreach (var (label, consumer) in profiles)
            {
                if (!await run.ConsumeAsync(label, topic, consumer))
                {
                    return 1;
                }
            }
        }

        return 0;
    }

    private static bool Selected(string label, string[]? only) =>
        only is null || Array.Exists(only, fragment => label.Contains(fragment, StringComparison.OrdinalIgnoreCase));

    private static KafkaOptions Options(string servers, string topic) => new() { BootstrapServers = servers, Topic = topic };

    private static IEnumerable<(string Label, ProducerConfig Config)> ProducerProfiles(string servers)
    {
        yield return ("librdkafka defaults + idempotence", new ProducerConfig { BootstrapServers = servers, EnableIdempotence = true });
        foreach (var codec in new[] { CompressionType.None, CompressionType.Lz4, CompressionType.Zstd, CompressionType.Snappy })
        {
            var config = KafkaClientConfigs.Producer(Options(servers, "bench"), "bench-producer");
            config.CompressionType = codec;
            yield return ($"tuned, {codec.ToString().ToLowerInvariant()}", config);
        }

        var statusOnly = KafkaClientConfigs.Producer(Options(servers, "bench"), "bench-producer");
        statusOnly.DeliveryReportFields = "status";
        yield return ("tuned, delivery.report.fields=status", statusOnly);

        var longerLinger = KafkaClientConfigs.Producer(Options(servers, "bench"), "bench-producer");
        longerLinger.LingerMs = 20;
        yield return ("tuned, linger.ms=20", longerLinger);
    }

    private static IEnumerable<(string Label, ConsumerConfig Config)> ConsumerProfiles(string servers)
    {
        yield return ("librdkafka defaults (no auto commit)",
            new ConsumerConfig { BootstrapServers = servers, GroupId = "bench", EnableAutoCommit = false, AutoOffsetReset = AutoOffsetReset.Earliest });

        var tuned = KafkaClientConfigs.Consumer(Options(servers, "bench"), "bench", "bench-consumer");
        yield return ("tuned (KafkaClientConfigs)", tuned);

        yield return ("tuned, fetch.queue.backoff.ms=1000", With(tuned, c => c.FetchQueueBackoffMs = 1000));
        yield return ("tuned, fetch.queue.backoff.ms=10", With(tuned, c => c.FetchQueueBackoffMs = 10));
        yield return ("tuned, fetch.wait.max.ms=10", With(tuned, c => c.FetchWaitMaxMs = 10));
        yield return ("tuned, fetch.wait.max.ms=500", With(tuned, c => c.FetchWaitMaxMs = 500));
        yield return ("tuned, queued.min.messages=1000000", With(tuned, c => c.QueuedMinMessages = 1_000_000));
        yield return ("tuned, queued.min.messages=10000", With(tuned, c => c.QueuedMinMessages = 10_000));
        yield return ("tuned, queued.max.messages.kbytes=131072", With(tuned, c => c.QueuedMaxMessagesKbytes = 131072));
        yield return ("tuned, max.partition.fetch.bytes=4MiB", With(tuned, c => c.MaxPartitionFetchBytes = 4 * 1024 * 1024));
        yield return ("tuned, consume timeout 0 (spin)", With(tuned, c => c.Set(Run.SpinMarker, "true")));
    }

    private static ConsumerConfig With(ConsumerConfig baseConfig, Action<ConsumerConfig> change)
    {
        var copy = new ConsumerConfig(baseConfig.ToDictionary(kv => kv.Key, kv => kv.Value));
        change(copy);
        return copy;
    }

    /// <summary>State shared by the phases of one bench run.</summary>
    private sealed class Run(string servers, int partitions, int messages, TickerPayloads payloads, MockKafkaCluster? cluster, CancellationToken cancellationToken)
    {
        /// <summary>A bench-only pseudo setting: poll with a zero timeout instead of blocking (stripped before librdkafka sees it).</summary>
        public const string SpinMarker = "bench.spin";

        private int topicCounter;

        public async Task<string> ProduceAsync(string label, ProducerConfig config)
        {
            var topic = $"bench-{Environment.ProcessId}-{++topicCounter}";
            await CreateTopicAsync(topic);

            config.StatisticsIntervalMs = 500;
            long wireBytes = 0;
            var failed = 0L;
            using var producer = new ProducerBuilder<byte[], byte[]>(config)
                .SetStatisticsHandler((_, json) => wireBytes = ReadTxBytes(json))
                .Build();
            Action<DeliveryReport<byte[], byte[]>> onDelivery = report =>
            {
                if (report.Error.IsError)
                {
                    Interlocked.Increment(ref failed);
                }
            };

            var cpu = CpuClock.Start();
            var stopwatch = Stopwatch.StartNew();
            long bytes = 0;
            for (var i = 0L; i < messages; i++)
            {
                var message = new Message<byte[], byte[]> { Key = payloads.Key(i), Value = payloads.Value(i) };
                bytes += message.Key.Length + message.Value.Length;
                while (true)
                {
                    try
                    {
                        producer.Produce(topic, message, onDelivery);
                        break;
                    }
                    catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        // librdkafka's queue is bounded: wait for deliveries to make room, as the silo's publisher must.
                        producer.Poll(TimeSpan.FromMilliseconds(5));
                    }
                }
            }

            var left = producer.Flush(PhaseTimeout);
            stopwatch.Stop();
            var cpuUsed = cpu.Elapsed;
            cancellationToken.ThrowIfCancellationRequested();
            // One more statistics round so the byte count covers the whole run.
            await Task.Delay(1_100, cancellationToken);
            Print("produce", label, messages - left, bytes, stopwatch.Elapsed, cpuUsed,
                $"wire {wireBytes / 1e6:0.0} MB ({bytes / (double)Math.Max(1, wireBytes):0.0}x){(failed + left > 0 ? $", {failed + left} FAILED" : "")}");
            return topic;
        }

        /// <summary>Frees a comparison run's data on the embedded broker (it is held in memory).</summary>
        public void Discard(string topic) => cluster?.DeleteTopic(topic);

        public bool CheckNothingTrimmed(string topic)
        {
            using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = servers, GroupId = "bench-check" }).Build();
            long total = 0;
            for (var p = 0; p < partitions; p++)
            {
                var marks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10));
                if (marks.Low.Value > 0)
                {
                    Console.WriteLine($"Partition {p} was trimmed by the broker (offsets {marks.Low}..{marks.High}): rerun with more --partitions.");
                    return false;
                }

                total += marks.High.Value;
            }

            Console.WriteLine($"(topic holds all {total:N0} messages; average {total / (double)partitions:N0} per partition)");
            return true;
        }

        public Task<bool> ConsumeAsync(string label, string topic, ConsumerConfig template) => Task.Run(() =>
        {
            var config = new ConsumerConfig(template.Where(kv => kv.Key != SpinMarker).ToDictionary(kv => kv.Key, kv => kv.Value))
            {
                GroupId = $"bench-{Guid.NewGuid():N}",
            };
            var timeout = template.Get(SpinMarker) is null ? TimeSpan.FromMilliseconds(100) : TimeSpan.Zero;
            using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
            var cpu = CpuClock.Start();
            var stopwatch = Stopwatch.StartNew();
            consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
            long count = 0, bytes = 0;
            while (count < messages && stopwatch.Elapsed < PhaseTimeout && !cancellationToken.IsCancellationRequested)
            {
                var result = consumer.Consume(timeout);
                if (result is null)
                {
                    continue;
                }

                count++;
                bytes += result.Message.Key.Length + result.Message.Value.Length;
            }

            stopwatch.Stop();
            var cpuUsed = cpu.Elapsed;
            consumer.Close();
            Print("consume", label, count, bytes, stopwatch.Elapsed, cpuUsed, count < messages ? $"INCOMPLETE: {count:N0} of {messages:N0}" : "");
            return count == messages;
        }, cancellationToken);

        private async Task CreateTopicAsync(string topic)
        {
            if (cluster is not null)
            {
                cluster.CreateTopic(topic, partitions);
                return;
            }

            await KafkaTopicProvisioner.EnsureTopicAsync(
                new KafkaOptions { BootstrapServers = servers, Topic = topic, Partitions = partitions }, TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        }

        private static long ReadTxBytes(string statistics)
        {
            using var document = JsonDocument.Parse(statistics);
            return document.RootElement.GetProperty("tx_bytes").GetInt64();
        }

        /// <summary>
        /// Wall-clock rates, plus the process CPU time per message (client and in-process broker together), which
        /// stays comparable when other work shares the machine.
        /// </summary>
        private static void Print(string phase, string label, long count, long bytes, TimeSpan elapsed, TimeSpan cpu, string note) =>
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{phase,-8} {label,-42} {count,10:N0} msgs {elapsed.TotalSeconds,6:0.00} s {count / elapsed.TotalSeconds,9:N0} msg/s {bytes / 1e6 / elapsed.TotalSeconds,6:0.0} MB/s  cpu {cpu.TotalMicroseconds / Math.Max(1, count),5:0.0} us/msg  {note}"));
    }
}
