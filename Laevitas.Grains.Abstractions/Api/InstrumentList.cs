namespace Laevitas.Grains.Abstractions.Api;

/// <summary>A listing of followed instruments, in name order (<c>GET /api/instruments</c>, <c>laevitas instruments --json</c>).</summary>
public sealed record InstrumentList(int Count, IReadOnlyList<InstrumentView> Instruments)
{
    public static InstrumentList From(IEnumerable<Instruments.InstrumentListing> listings)
    {
        var views = listings.Select(InstrumentView.From).ToList();
        return new InstrumentList(views.Count, views);
    }
}
