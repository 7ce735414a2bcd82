namespace Laevitas.Silo.FeedPlacement;

/// <inheritdoc cref="IFeedHandoverGrain"/>
public sealed class FeedHandoverGrain(TimeProvider timeProvider) : Grain, IFeedHandoverGrain
{
    /// <summary>A report older than this is forgotten: its silo stopped reporting (it died or left).</summary>
    public static readonly TimeSpan ReportLifetime = TimeSpan.FromSeconds(5);

    private readonly Dictionary<SiloAddress, (FeedReport Report, DateTimeOffset At, long Sequence)> reports = [];

    // When each silo that hands its feed over first said so, in report order. A silo's "complete" counts for a hand-over
    // only when reported after it began: a report made earlier can be a successor's previous term (silos starting
    // together each lead for a moment), which has ended by now but is only overwritten by its next report.
    private readonly Dictionary<SiloAddress, long> handingOverSince = [];
    private long sequence;

    public Task<FeedHandoverView> ReportAsync(FeedReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var now = timeProvider.GetUtcNow();
        var reported = ++sequence;
        reports[report.Silo] = (report, now, reported);
        long? since = null;
        if (report.Leaving || report.HandingOver)
        {
            since = handingOverSince.TryGetValue(report.Silo, out var first) ? first : handingOverSince[report.Silo] = reported;
        }
        else
        {
            handingOverSince.Remove(report.Silo);
        }

        var leaving = new List<SiloAddress>();
        var complete = new List<SiloAddress>();
        foreach (var (silo, (current, at, number)) in reports.ToList())
        {
            if (now - at > ReportLifetime)
            {
                reports.Remove(silo);
                handingOverSince.Remove(silo);
                continue;
            }

            if (current.Leaving)
            {
                leaving.Add(silo);
            }

            if (current.Complete && (since is null || number > since))
            {
                complete.Add(silo);
            }
        }

        return Task.FromResult(new FeedHandoverView(leaving, complete));
    }
}
