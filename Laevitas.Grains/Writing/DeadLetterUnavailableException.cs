namespace Laevitas.Grains.Writing;

/// <summary>
/// Thrown by a writer grain when the broker did not acknowledge the records it set aside. Like
/// <see cref="TickStoreUnavailableException"/>: the pulling agent delivers the same batch again and the partition's
/// offsets do not advance, so a record is never skipped without being set aside.
/// </summary>
[GenerateSerializer]
public sealed class DeadLetterUnavailableException : Exception
{
    public DeadLetterUnavailableException()
    {
    }

    public DeadLetterUnavailableException(string message)
        : base(message)
    {
    }

    public DeadLetterUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
