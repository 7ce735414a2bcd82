namespace Laevitas.Tests.Recordings;

/// <summary>
/// One notification of a recording under <c>Fixtures/deribit</c>: its file and line, the whole frame's text, its
/// channel and its <c>data</c> text as recorded.
/// </summary>
public sealed record RecordedNotification(string Source, int Line, string Frame, string Channel, string Data)
{
    public override string ToString() => $"{Source}:{Line} {Channel}";
}
