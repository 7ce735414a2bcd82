using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Laevitas.Streaming.Kafka.Native;

/// <summary>
/// <see cref="IProducerQueuePurger"/> through librdkafka's <c>rd_kafka_purge</c>, bound to the library
/// Confluent.Kafka loaded (<see cref="LibRdKafkaLoader"/>). Confluent.Kafka keeps the native handle internal, so it
/// is read by reflection; if a future version renames it, purging reports false and the publisher counts the
/// ticks as lost, as before.
/// </summary>
public sealed partial class LibRdKafkaProducerPurger(ILogger<LibRdKafkaProducerPurger> logger) : IProducerQueuePurger
{
    private static readonly PropertyInfo? NativeHandleProperty =
        typeof(Handle).GetProperty("LibrdkafkaHandle", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);

    public bool TryPurge(IClient producer)
    {
        ArgumentNullException.ThrowIfNull(producer);
        if (NativeHandleProperty?.GetValue(producer.Handle) is not SafeHandle handle)
        {
            LogNoHandle(logger);
            return false;
        }

        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var error = LibRdKafkaPurge.Purge(handle.DangerousGetHandle(), LibRdKafkaPurge.PurgeQueue | LibRdKafkaPurge.PurgeInFlight);
            if (error != 0)
            {
                LogPurgeFailed(logger, error);
                return false;
            }

            return true;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "Cannot reach librdkafka's handle inside Confluent.Kafka; unacknowledged ticks cannot be taken back")]
    private static partial void LogNoHandle(ILogger logger);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "rd_kafka_purge failed with error {Error}")]
    private static partial void LogPurgeFailed(ILogger logger, int error);
}
