namespace Laevitas.Silo.FeedPlacement;

/// <summary>
/// Where the silos tell each other what membership cannot: that a feed silo is about to leave (it is stopping but
/// still Active, so membership still elects it), and which feeds have subscribed every channel. One activation,
/// in memory only: every silo reports each second, so a lost activation is rebuilt within a second.
/// </summary>
public interface IFeedHandoverGrain : IGrainWithIntegerKey
{
    /// <summary>Records <paramref name="report"/> and answers with what every silo reported recently.</summary>
    Task<FeedHandoverView> ReportAsync(FeedReport report);
}

/// <summary>One silo's feed state.</summary>
/// <param name="Silo">The reporting silo.</param>
/// <param name="Leaving">It is stopping: elect the feed silos without it.</param>
/// <param name="Complete">It runs a feed with every followed instrument subscribed on an open connection.</param>
/// <param name="HandingOver">It runs a feed the view no longer wants and keeps it until its successors are complete.</param>
[GenerateSerializer, Immutable]
public sealed record FeedReport(
    [property: Id(0)] SiloAddress Silo,
    [property: Id(1)] bool Leaving,
    [property: Id(2)] bool Complete,
    [property: Id(3)] bool HandingOver = false);

/// <summary>
/// The silos that reported within the last few seconds: those leaving, and those with a complete feed. To a silo that
/// is leaving or handing over, complete means reported complete after it first said so.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FeedHandoverView([property: Id(0)] IReadOnlyList<SiloAddress> Leaving, [property: Id(1)] IReadOnlyList<SiloAddress> Complete);
