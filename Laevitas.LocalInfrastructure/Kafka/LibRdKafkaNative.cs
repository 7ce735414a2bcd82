using System.Runtime.InteropServices;
using Laevitas.Streaming.Kafka.Native;

namespace Laevitas.LocalInfrastructure.Kafka;

/// <summary>
/// The few librdkafka C functions the embedded broker needs: a bare client handle to host the mock
/// cluster, and the mock-cluster API (<c>rdkafka_mock.h</c>). Bound to the very librdkafka that
/// Confluent.Kafka loaded (see <see cref="LibRdKafkaLoader"/>), never to a second copy.
/// </summary>
/// <remarks>
/// The variadic functions of the mock API (<c>rd_kafka_mock_push_request_errors</c>, ...) are avoided:
/// variadic calls are not portable through P/Invoke, and the <c>_array</c> variant does the same job.
/// </remarks>
internal static unsafe partial class LibRdKafkaNative
{
    internal const string LibraryName = LibRdKafkaLoader.LibraryName;

    /// <summary><c>rd_kafka_type_t</c>: the host handle is a producer that never produces.</summary>
    internal const int ProducerType = 0;

    /// <summary><c>rd_kafka_conf_res_t</c> success.</summary>
    internal const int ConfOk = 0;

    static LibRdKafkaNative() => LibRdKafkaLoader.EnsureResolverRegistered(typeof(LibRdKafkaNative).Assembly);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_new")]
    internal static partial nint ConfNew();

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_destroy")]
    internal static partial void ConfDestroy(nint conf);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_conf_set", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ConfSet(nint conf, string name, string value, byte* errstr, nuint errstrSize);

    /// <summary>Takes ownership of <paramref name="conf"/> on success only.</summary>
    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_new")]
    internal static partial nint KafkaNew(int type, nint conf, byte* errstr, nuint errstrSize);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_destroy")]
    internal static partial void KafkaDestroy(nint rk);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_version_str")]
    internal static partial nint VersionString();

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_new")]
    internal static partial nint MockClusterNew(nint rk, int brokerCount);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_destroy")]
    internal static partial void MockClusterDestroy(nint mcluster);

    /// <summary>Returns a string owned by the cluster: copy it, never free it.</summary>
    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
    internal static partial nint MockClusterBootstraps(nint mcluster);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_topic_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MockTopicCreate(nint mcluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_topic_delete", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MockTopicDelete(nint mcluster, string topic);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_down")]
    internal static partial int MockBrokerSetDown(nint mcluster, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_up")]
    internal static partial int MockBrokerSetUp(nint mcluster, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_broker_set_rtt")]
    internal static partial int MockBrokerSetRtt(nint mcluster, int brokerId, int rttMs);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_push_request_errors_array")]
    internal static partial void MockPushRequestErrorsArray(nint mcluster, short apiKey, nuint count, int* errors);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_clear_request_errors")]
    internal static partial void MockClearRequestErrors(nint mcluster, short apiKey);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_partition_set_leader", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MockPartitionSetLeader(nint mcluster, string topic, int partition, int brokerId);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_topic_set_error", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void MockTopicSetError(nint mcluster, string topic, int error);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_group_initial_rebalance_delay_ms")]
    internal static partial void MockGroupInitialRebalanceDelayMs(nint mcluster, int delayMs);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_start_request_tracking")]
    internal static partial void MockStartRequestTracking(nint mcluster);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_stop_request_tracking")]
    internal static partial void MockStopRequestTracking(nint mcluster);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_clear_requests")]
    internal static partial void MockClearRequests(nint mcluster);

    /// <summary>Returns copies the caller frees with <see cref="MockRequestDestroyArray"/> (null when there are none).</summary>
    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_get_requests")]
    internal static partial nint* MockGetRequests(nint mcluster, nuint* count);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_request_destroy_array")]
    internal static partial void MockRequestDestroyArray(nint* requests, nuint count);

    /// <summary>The id of the broker that received the request.</summary>
    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_request_id")]
    internal static partial int MockRequestBrokerId(nint request);

    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_request_api_key")]
    internal static partial short MockRequestApiKey(nint request);

    /// <summary>librdkafka's monotonic clock, in microseconds.</summary>
    [LibraryImport(LibraryName, EntryPoint = "rd_kafka_mock_request_timestamp")]
    internal static partial long MockRequestTimestamp(nint request);
}
