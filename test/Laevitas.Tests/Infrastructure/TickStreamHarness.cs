using System.Diagnostics;
using Confluent.Kafka;
using Laevitas.Grains.Abstractions.Hosting;
using Laevitas.Streaming.Kafka;
using Laevitas.Streaming.Kafka.Hosting;
using Laevitas.Grains.Storage;
using Laevitas.Streaming.Kafka.Providers;
using Laevitas.Grains.Writing;
using Laevitas.LocalInfrastructure.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace Laevitas.Tests.Infrastructure;

/// <summary>
/// A database, a topic and an in-process Orleans cluster wired like the silo: Kafka stream provider + tick writer.
/// Produces generated ticks and reads back rows and the consumer group's committed offsets.
/// </summary>
public sealed class TickStreamHarness : IAsyncDisposable
{
    public const string ConsumerGroup = "laevitas-writer";

    private readonly string connectionString;
    private readonly KafkaOptions kafka;
    private readonly Action<KafkaStreamOptions>? configureStream;
    private readonly Action<KafkaOptions>? configureKafka;
    private readonly bool trades;
    private IProducer<string, byte[]>? producer;
    private IProducer<byte[]?, byte[]?>? rawProducer;

    private TickStreamHarness(
        string connectionString, KafkaOptions kafka, NpgsqlDataSource dataSource, Action<KafkaStreamOptions>? configureStream, Action<KafkaOptions>? configureKafka, bool trades)
    {
        this.configureKafka = configureKafka;
        this.trades = trades;
        this.connectionString = connectionString;
        this.kafka = kafka;
        DataSource = dataSource;
        this.configureStream = configureStream;
    }

    public NpgsqlDataSource DataSource { get; }

    public InProcessTestCluster? Cluster { get; private set; }

    public string Topic => kafka.Topic;

    public string TradesTopic => kafka.TradesTopicName;

    public int Partitions => kafka.Partitions;

    /// <param name="trades">Also run the trade stream provider and writers over the trades topic (<c>{topic}-trades</c>).</param>
    /// <param name="configureKafka">Adjusts the silos' Kafka options after the harness set the broker and the topic.</param>
    public static async Task<TickStreamHarness> CreateAsync(
        PostgresFixture postgres, MockKafkaCluster kafkaCluster, string name, int partitions, Action<KafkaStreamOptions>? configureStream = null,
        bool trades = false, Action<KafkaOptions>? configureKafka = null)
    {
        var connectionString = await postgres.CreateDatabaseAsync(name);
        // Npgsql's default connect timeout (15 s): a 3 s one ran out once on CI while PostgreSQL was busy with other
        // tests' databases. A stopped server (the outage tests) refuses at once, so nothing waits for it there.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 30 };
        var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).ApplyAsync();
        var topic = await KafkaFixture.CreateTopicAsync(kafkaCluster, name, partitions);
        var kafka = KafkaFixture.Options(kafkaCluster.BootstrapServers, topic, partitions);
        return new TickStreamHarness(builder.ConnectionString, kafka, dataSource, configureStream, configureKafka, trades);
    }

    /// <summary>Starts (or restarts) the Orleans cluster with <paramref name="silos"/> silos.</summary>
    public async Task StartClusterAsync(short silos = 1)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
            silo.AddKafkaStreams(ProviderNames.Streams, o =>
            {
                o.ConsumerGroup = ConsumerGroup;
                o.MaxBatchWait = TimeSpan.FromMilliseconds(100);
                o.CommitInterval = TimeSpan.FromMilliseconds(200);
                configureStream?.Invoke(o);
            });
            if (trades)
            {
                silo.AddKafkaTradeStreams(ProviderNames.TradeStreams, o =>
                {
                    o.ConsumerGroup = ConsumerGroup;
                    o.MaxBatchWait = TimeSpan.FromMilliseconds(100);
                    o.CommitInterval = TimeSpan.FromMilliseconds(200);
                    configureStream?.Invoke(o);
                });
            }

            silo.AddTickWriter();
            silo.Services.Configure<KafkaOptions>(o =>
            {
                o.BootstrapServers = kafka.BootstrapServers;
                o.Topic = kafka.Topic;
                o.Partitions = kafka.Partitions;
                configureKafka?.Invoke(o);
            });
            // A killed silo is declared dead within seconds, so its queues move on quickly.
            silo.Services.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
            });
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task StopClusterAsync()
    {
        if (Cluster is { } cluster)
        {
            Cluster = null;
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    /// <summary>Produces the ticks in the publisher's record format (<see cref="TickRecord"/>) and returns where each landed.</summary>
    public async Task<List<TopicPartitionOffset>> ProduceAsync(IEnumerable<GeneratedTick> ticks, CancellationToken cancellationToken = default)
    {
        producer ??= new ProducerBuilder<string, byte[]>(KafkaClientConfigs.Producer(kafka, "tick-stream-test")).Build();
        var positions = new List<TopicPartitionOffset>();
        var pending = new List<Task<DeliveryResult<string, byte[]>>>();
        foreach (var tick in ticks)
        {
            pending.Add(producer.ProduceAsync(kafka.Topic, Message(tick.Key, tick.Payload, tick.ReceivedAtMs), cancellationToken));
            if (pending.Count >= 5_000)
            {
                await Drain();
            }
        }

        await Drain();
        return positions;

        async Task Drain()
        {
            foreach (var result in await Task.WhenAll(pending))
            {
                positions.Add(result.TopicPartitionOffset);
            }

            pending.Clear();
        }
    }

    /// <summary>
    /// Produces <paramref name="ticks"/> at about <paramref name="perSecond"/>, as a live feed would, and returns where
    /// each landed (in the order of <paramref name="ticks"/>).
    /// </summary>
    public async Task<List<TopicPartitionOffset>> ProduceSteadilyAsync(IReadOnlyList<GeneratedTick> ticks, int perSecond)
    {
        const int SlicesPerSecond = 20;
        var slice = Math.Max(1, perSecond / SlicesPerSecond);
        var positions = new List<TopicPartitionOffset>(ticks.Count);
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < ticks.Count; i += slice)
        {
            positions.AddRange(await ProduceAsync(ticks.Skip(i).Take(slice)));
            var due = TimeSpan.FromSeconds((double)(i + slice) / perSecond);
            if (due > stopwatch.Elapsed)
            {
                await Task.Delay(due - stopwatch.Elapsed);
            }
        }

        return positions;
    }

    /// <summary>
    /// Produces one record to <paramref name="partition"/> as any other client of the cluster could (a foreign
    /// producer): any key, value and timestamp, none of them checked.
    /// </summary>
    public Task<TopicPartitionOffset> ProduceRawAsync(int partition, byte[]? key, byte[]? value, Timestamp timestamp) =>
        ProduceRawAsync(kafka.Topic, partition, key, value, timestamp);

    /// <summary>The same, to <paramref name="topic"/> (e.g. <see cref="TradesTopic"/>).</summary>
    public async Task<TopicPartitionOffset> ProduceRawAsync(string topic, int partition, byte[]? key, byte[]? value, Timestamp timestamp)
    {
        rawProducer ??= new ProducerBuilder<byte[]?, byte[]?>(KafkaClientConfigs.Producer(kafka, "tick-stream-test-foreign")).Build();
        var result = await rawProducer.ProduceAsync(
            new TopicPartition(topic, partition), new Message<byte[]?, byte[]?> { Key = key, Value = value, Timestamp = timestamp });
        return result.TopicPartitionOffset;
    }

    /// <summary>Every record in the dead-letter topic so far, read from its beginning.</summary>
    public List<ConsumeResult<byte[]?, byte[]?>> ReadDeadLetters(int expected, TimeSpan timeout)
    {
        var config = KafkaClientConfigs.Consumer(kafka, $"dead-letter-probe-{Guid.NewGuid():N}", "tick-stream-test-dead-letters");
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        consumer.Subscribe(kafka.DeadLetterTopicName);
        var records = new List<ConsumeResult<byte[]?, byte[]?>>();
        var stopwatch = Stopwatch.StartNew();
        while (records.Count < expected && stopwatch.Elapsed < timeout)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } record)
            {
                records.Add(record);
            }
        }

        // Anything beyond the expected records (a repeat) shows up within a short extra read.
        var extra = Stopwatch.StartNew();
        while (extra.Elapsed < TimeSpan.FromSeconds(2))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } record)
            {
                records.Add(record);
            }
        }

        consumer.Close();
        return records;
    }

    public string DeadLetterTopic => kafka.DeadLetterTopicName;

    public static Message<string, byte[]> Message(string key, byte[] payload, long receivedAtMs) => new()
    {
        Key = key,
        Value = payload,
        Timestamp = TickRecord.TimestampFor(receivedAtMs),
    };

    public async Task<long> CountRowsAsync()
    {
        await using var command = DataSource.CreateCommand("SELECT count(*) FROM deribit_prices");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public Task<Dictionary<(string, long), ExpectedPrice>> ReadRowsAsync() => ExpectedPrice.ReadAllAsync(DataSource);

    /// <summary>The consumer group's committed offset per partition (-1 when none).</summary>
    public long[] CommittedOffsets(string? topic = null)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(KafkaClientConfigs.Consumer(kafka, ConsumerGroup, "tick-stream-test-offsets")).Build();
        var partitions = Enumerable.Range(0, kafka.Partitions).Select(p => new TopicPartition(topic ?? kafka.Topic, p)).ToList();
        var committed = consumer.Committed(partitions, TimeSpan.FromSeconds(10));
        return committed.OrderBy(c => c.Partition.Value).Select(c => c.Offset.Value).ToArray();
    }

    /// <summary>Commits <paramref name="offset"/> for every partition of the group (e.g. 0 to replay everything).</summary>
    public void ResetCommittedOffsets(long offset)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(KafkaClientConfigs.Consumer(kafka, ConsumerGroup, "tick-stream-test-reset")).Build();
        consumer.Commit(Enumerable.Range(0, kafka.Partitions).Select(p => new TopicPartitionOffset(kafka.Topic, p, offset)));
    }

    public long[] HighWatermarks(string? topic = null)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(KafkaClientConfigs.Consumer(kafka, ConsumerGroup + "-probe", "tick-stream-test-probe")).Build();
        return Enumerable.Range(0, kafka.Partitions)
            .Select(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic ?? kafka.Topic, p), TimeSpan.FromSeconds(10)).High.Value)
            .ToArray();
    }

    /// <summary>Sum of the writer status of every running silo.</summary>
    public TickWriterStatusSnapshot[] WriterStatus() =>
        Cluster?.Silos.Select(s => s.ServiceProvider.GetRequiredService<TickWriterStatus>().Snapshot()).ToArray() ?? [];

    public async ValueTask DisposeAsync()
    {
        await StopClusterAsync();
        producer?.Dispose();
        rawProducer?.Dispose();
        await DataSource.DisposeAsync();
    }
}
