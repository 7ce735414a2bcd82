namespace Laevitas.Feed;

/// <summary>State of the per-endpoint circuit breaker (numeric values are what the metrics gauge reports).</summary>
public enum CircuitState
{
    /// <summary>Attempts flow normally.</summary>
    Closed = 0,

    /// <summary>The open period ended; one probe attempt decides between closing and reopening.</summary>
    HalfOpen = 1,

    /// <summary>Too many consecutive failures: attempts wait until the open period ends.</summary>
    Open = 2,
}
