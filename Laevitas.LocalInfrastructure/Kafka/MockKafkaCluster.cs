using Laevitas.Streaming.Kafka.Native;
using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace Laevitas.LocalInfrastructure.Kafka;

/// <summary>
/// An in-process, in-memory Kafka cluster: librdkafka's mock cluster, speaking the real Kafka protocol on
/// loopback ports, with a typed fault-injection API. For local runs and tests only — it keeps nothing on disk
/// and each partition retains only its newest ~5 MiB (or 100,000 batches); older data is dropped.
/// </summary>
/// <remarks>
/// Listener ports are ephemeral (librdkafka binds 127.0.0.1:0 and offers no setting to fix them); read
/// <see cref="BootstrapServers"/>. A broker set down keeps its port and accepts connections again when set up.
/// All methods are thread-safe.
/// </remarks>
public sealed partial class MockKafkaCluster : IDisposable
{
    private const int ErrorBufferSize = 512;

    private readonly Lock gate = new();
    private nint hostHandle;
    private nint cluster;

    private MockKafkaCluster(nint hostHandle, nint cluster, int brokerCount, string bootstrapServers)
    {
        this.hostHandle = hostHandle;
        this.cluster = cluster;
        BrokerCount = brokerCount;
        BootstrapServers = bootstrapServers;
        BrokerIds = [.. Enumerable.Range(1, brokerCount)];
    }

    /// <summary>Comma-separated <c>host:port</c> of every broker, for <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; }

    public int BrokerCount { get; }

    /// <summary>Broker ids are 1..<see cref="BrokerCount"/>.</summary>
    public IReadOnlyList<int> BrokerIds { get; }

    /// <summary>The librdkafka file the cluster runs in (the one Confluent.Kafka loaded), when known.</summary>
    public static string? NativeLibraryPath => LibRdKafkaLoader.LoadedPath;

    /// <summary>Starts a mock cluster of <paramref name="brokers"/> brokers listening on loopback.</summary>
    public static MockKafkaCluster Create(int brokers = 3, ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);

        var hostHandle = CreateHostHandle();
        var cluster = LibRdKafkaNative.MockClusterNew(hostHandle, brokers);
        if (cluster == 0)
        {
            LibRdKafkaNative.KafkaDestroy(hostHandle);
            throw new InvalidOperationException(
                $"librdkafka could not start a mock cluster of {brokers} brokers (no loopback listener?); see librdkafka's log on stderr.");
        }

        var bootstrap = Marshal.PtrToStringUTF8(LibRdKafkaNative.MockClusterBootstraps(cluster)) ?? "";
        var result = new MockKafkaCluster(hostHandle, cluster, brokers, bootstrap);
        if (logger is not null)
        {
            LogStarted(logger, brokers, bootstrap, NativeLibraryPath ?? "(unknown)");
        }

        return result;
    }

    /// <summary>Creates a topic; throws if it exists (see <see cref="TryCreateTopic"/>).</summary>
    public void CreateTopic(string topic, int partitions, int replicationFactor = 1)
    {
        var error = TryCreateTopic(topic, partitions, replicationFactor);
        if (error != ErrorCode.NoError)
        {
            throw Failure(error, $"create topic '{topic}' ({partitions} partitions, replication {replicationFactor})");
        }
    }

    /// <summary>Creates a topic; returns <see cref="ErrorCode.TopicAlreadyExists"/> instead of throwing when it exists.</summary>
    public ErrorCode TryCreateTopic(string topic, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        // The mock asserts on impossible replica placement; refuse it here with a readable message.
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicationFactor, BrokerCount);

        lock (gate)
        {
            return (ErrorCode)LibRdKafkaNative.MockTopicCreate(Cluster(), topic, partitions, replicationFactor);
        }
    }

    /// <summary>Deletes a topic and frees its data; throws if it does not exist.</summary>
    public void DeleteTopic(string topic)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        Invoke(c => LibRdKafkaNative.MockTopicDelete(c, topic), $"delete topic '{topic}'");
    }

    /// <summary>Takes a broker off the network: its connections are closed and new ones refused, its port kept.</summary>
    public void SetBrokerDown(int brokerId) =>
        Invoke(c => LibRdKafkaNative.MockBrokerSetDown(c, brokerId), $"set broker {brokerId} down");

    /// <summary>Brings a broker set down back on the same port.</summary>
    public void SetBrokerUp(int brokerId) =>
        Invoke(c => LibRdKafkaNative.MockBrokerSetUp(c, brokerId), $"set broker {brokerId} up");

    public void SetAllBrokersDown()
    {
        foreach (var id in BrokerIds)
        {
            SetBrokerDown(id);
        }
    }

    public void SetAllBrokersUp()
    {
        foreach (var id in BrokerIds)
        {
            SetBrokerUp(id);
        }
    }

    /// <summary>Delays every response of one broker by <paramref name="rtt"/> (zero removes the delay).</summary>
    public void SetBrokerRtt(int brokerId, TimeSpan rtt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rtt, TimeSpan.Zero);
        var rttMs = checked((int)rtt.TotalMilliseconds);
        Invoke(c => LibRdKafkaNative.MockBrokerSetRtt(c, brokerId, rttMs), $"set broker {brokerId} RTT");
    }

    public void SetAllBrokersRtt(TimeSpan rtt)
    {
        foreach (var id in BrokerIds)
        {
            SetBrokerRtt(id, rtt);
        }
    }

    /// <summary>
    /// Queues errors for the next requests of one type, cluster-wide: the n-th following request of that type
    /// is answered with the n-th error (<see cref="ErrorCode.NoError"/> lets one through).
    /// </summary>
    public void PushRequestErrors(KafkaApiKey apiKey, params ErrorCode[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Length == 0)
        {
            return;
        }

        var codes = new int[errors.Length];
        for (var i = 0; i < errors.Length; i++)
        {
            codes[i] = (int)errors[i];
        }

        lock (gate)
        {
            unsafe
            {
                fixed (int* p = codes)
                {
                    LibRdKafkaNative.MockPushRequestErrorsArray(Cluster(), (short)apiKey, (nuint)codes.Length, p);
                }
            }
        }
    }

    /// <summary>Drops the errors still queued for one request type.</summary>
    public void ClearRequestErrors(KafkaApiKey apiKey)
    {
        lock (gate)
        {
            LibRdKafkaNative.MockClearRequestErrors(Cluster(), (short)apiKey);
        }
    }

    /// <summary>Moves a partition's leadership to <paramref name="brokerId"/> (-1: no leader).</summary>
    public void SetPartitionLeader(string topic, int partition, int brokerId) =>
        Invoke(c => LibRdKafkaNative.MockPartitionSetLeader(c, topic, partition, brokerId),
            $"set leader of {topic} [{partition}] to broker {brokerId}");

    /// <summary>Makes metadata report <paramref name="error"/> for a topic (<see cref="ErrorCode.NoError"/> clears it).</summary>
    public void SetTopicError(string topic, ErrorCode error)
    {
        lock (gate)
        {
            LibRdKafkaNative.MockTopicSetError(Cluster(), topic, (int)error);
        }
    }

    /// <summary>
    /// How long a new consumer group waits for more members before its first rebalance. The mock's default
    /// (3 s, like Kafka's) slows every test that starts a group; tests set it near zero.
    /// </summary>
    public void SetGroupInitialRebalanceDelay(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        lock (gate)
        {
            LibRdKafkaNative.MockGroupInitialRebalanceDelayMs(Cluster(), checked((int)delay.TotalMilliseconds));
        }
    }

    /// <summary>Starts recording every request the brokers receive (see <see cref="GetTrackedRequests"/>).</summary>
    public void StartRequestTracking()
    {
        lock (gate)
        {
            LibRdKafkaNative.MockStartRequestTracking(Cluster());
        }
    }

    public void StopRequestTracking()
    {
        lock (gate)
        {
            LibRdKafkaNative.MockStopRequestTracking(Cluster());
        }
    }

    public void ClearTrackedRequests()
    {
        lock (gate)
        {
            LibRdKafkaNative.MockClearRequests(Cluster());
        }
    }

    /// <summary>The requests recorded since tracking started or was last cleared, oldest first.</summary>
    public IReadOnlyList<MockKafkaRequest> GetTrackedRequests()
    {
        lock (gate)
        {
            unsafe
            {
                nuint count = 0;
                var requests = LibRdKafkaNative.MockGetRequests(Cluster(), &count);
                if (requests is null)
                {
                    return [];
                }

                try
                {
                    var result = new MockKafkaRequest[(int)count];
                    for (var i = 0; i < result.Length; i++)
                    {
                        result[i] = new MockKafkaRequest(
                            LibRdKafkaNative.MockRequestBrokerId(requests[i]),
                            (KafkaApiKey)LibRdKafkaNative.MockRequestApiKey(requests[i]),
                            LibRdKafkaNative.MockRequestTimestamp(requests[i]));
                    }

                    return result;
                }
                finally
                {
                    LibRdKafkaNative.MockRequestDestroyArray(requests, count);
                }
            }
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (cluster != 0)
            {
                LibRdKafkaNative.MockClusterDestroy(cluster);
                cluster = 0;
            }

            if (hostHandle != 0)
            {
                LibRdKafkaNative.KafkaDestroy(hostHandle);
                hostHandle = 0;
            }
        }
    }

    public override string ToString() => $"MockKafkaCluster({BrokerCount} brokers, {BootstrapServers})";

    private static unsafe nint CreateHostHandle()
    {
        var conf = LibRdKafkaNative.ConfNew();
        var errorBuffer = stackalloc byte[ErrorBufferSize];
        // The host handle never connects anywhere; keep its start-up chatter (e.g. "no bootstrap.servers") off stderr.
        SetConf(conf, "client.id", "laevitas-embedded-kafka", errorBuffer);
        SetConf(conf, "log_level", "3", errorBuffer);

        var rk = LibRdKafkaNative.KafkaNew(LibRdKafkaNative.ProducerType, conf, errorBuffer, ErrorBufferSize);
        if (rk == 0)
        {
            LibRdKafkaNative.ConfDestroy(conf);
            throw new InvalidOperationException($"librdkafka could not create the mock cluster's host handle: {ReadError(errorBuffer)}");
        }

        return rk;
    }

    private static unsafe void SetConf(nint conf, string name, string value, byte* errorBuffer)
    {
        if (LibRdKafkaNative.ConfSet(conf, name, value, errorBuffer, ErrorBufferSize) != LibRdKafkaNative.ConfOk)
        {
            LibRdKafkaNative.ConfDestroy(conf);
            throw new InvalidOperationException($"librdkafka rejected {name}={value}: {ReadError(errorBuffer)}");
        }
    }

    private static unsafe string ReadError(byte* errorBuffer) =>
        Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(errorBuffer));

    private static KafkaException Failure(ErrorCode error, string what) =>
        new(new Error(error, $"Mock Kafka cluster could not {what}: {new Error(error).Reason}"));

    private void Invoke(Func<nint, int> call, string what)
    {
        int error;
        lock (gate)
        {
            error = call(Cluster());
        }

        if (error != 0)
        {
            throw Failure((ErrorCode)error, what);
        }
    }

    private nint Cluster()
    {
        // Callers hold the gate, so Dispose cannot free the cluster under a native call.
        var handle = cluster;
        ObjectDisposedException.ThrowIf(handle == 0, this);
        return handle;
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning,
        Message = "EMBEDDED KAFKA: started an in-memory librdkafka mock cluster ({Brokers} brokers) at {BootstrapServers} using {NativeLibrary}. " +
                  "For local runs and tests only: nothing is persisted, each partition keeps only its newest ~5 MiB, data is gone when the process exits. " +
                  "Set Kafka:BootstrapServers to use a real cluster.")]
    internal static partial void LogStarted(ILogger logger, int brokers, string bootstrapServers, string nativeLibrary);
}
