namespace Laevitas.Grains.Abstractions.History;

/// <summary>The stored history could not be read (database down, timed out, schema missing). Crosses the wire intact.</summary>
[GenerateSerializer]
public sealed class HistoryStorageUnavailableException : Exception
{
    public HistoryStorageUnavailableException()
    {
    }

    public HistoryStorageUnavailableException(string message)
        : base(message)
    {
    }

    public HistoryStorageUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
