namespace Laevitas.Streaming.Kafka;

/// <summary>The tick topic could not be verified or created; the message says why and what to check.</summary>
public sealed class KafkaProvisioningException : Exception
{
    public KafkaProvisioningException(string message)
        : base(message)
    {
    }

    public KafkaProvisioningException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
