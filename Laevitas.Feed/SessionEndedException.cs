namespace Laevitas.Feed;

/// <summary>A call could not complete because its session ended (the reason says why).</summary>
internal sealed class SessionEndedException(SessionEnd reason, string detail)
    : Exception($"Deribit session ended: {reason} ({detail})")
{
    public SessionEnd Reason { get; } = reason;

    public string Detail { get; } = detail;
}
