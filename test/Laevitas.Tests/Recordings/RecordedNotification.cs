namespace Laevitas.Tests.Recordings;

/// <summary>One notification of a recording under <c>Fixtures/deribit</c>: its file, channel and <c>data</c> text as recorded.</summary>
public sealed record RecordedNotification(string Source, int Line, string Channel, string Data)
{
    public override string ToString() => $"{Source}:{Line} {Channel}";
}
