namespace Laevitas.Grains.Writing;

/// <summary>
/// Thrown by a writer grain when a batch could not be stored within one delivery's retry budget. The pulling agent
/// catches it and delivers the same batch again after a short backoff; the partition's offsets do not advance.
/// </summary>
[GenerateSerializer]
public sealed class TickStoreUnavailableException : Exception
{
    public TickStoreUnavailableException()
    {
    }

    public TickStoreUnavailableException(string message)
        : base(message)
    {
    }

    public TickStoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
