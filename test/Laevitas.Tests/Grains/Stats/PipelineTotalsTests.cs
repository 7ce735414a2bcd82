using Laevitas.Grains.Abstractions.Stats;

namespace Laevitas.Tests.Grains.Stats;

public sealed class PipelineTotalsTests
{
    [Fact]
    public void RedundantFeedsHeldToTheWritersPaceShowThatPaceNotItsSum()
    {
        // Two feed silos, each holding its dispatcher to the writers' pace; their copies of a tick are one row.
        var totals = PipelineTotals.Sum([Silo("a", paced: 40_000, dropped: 7), Silo("b", paced: 38_000, dropped: 5), Silo("c", paced: null, dropped: null)]);

        Assert.Equal(40_000, totals.DispatchPacedTo);
        Assert.Equal(12, totals.DispatchDropped);
    }

    [Fact]
    public void NoSiloHeldToThePaceShowsNone()
    {
        Assert.Null(PipelineTotals.Sum([Silo("a", paced: null, dropped: 0), Silo("b", paced: null, dropped: 0)]).DispatchPacedTo);
    }

    private static SiloPipelineStats Silo(string name, double? paced, long? dropped) =>
        new() { Silo = name, ReportedAt = DateTimeOffset.UnixEpoch, DispatchPacedTo = paced, DispatchDropped = dropped };
}
