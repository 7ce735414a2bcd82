namespace Laevitas.Bench.EndToEnd;

/// <summary>
/// A level asking for <see cref="Multiple"/> times the run's sustained rate (<see cref="SustainedRate"/>): how much of
/// the sustained rate still lands, and where the rest went.
/// </summary>
internal sealed record OverloadResult(int Multiple, double SustainedRate, LoadPhaseResult Phase)
{
    /// <summary>Issue 24: under overload, rows landed per second stay at least this share of the sustained rate.</summary>
    public const double GoalShare = 0.9;

    public double LandedShare => SustainedRate > 0 ? Phase.LandedPerSecond / SustainedRate : double.NaN;
}
