namespace Laevitas.Bench.EndToEnd;

/// <summary>
/// The catch-up phase: PostgreSQL stopped for <see cref="Outage"/> while the market keeps coming at
/// <see cref="LiveRate"/>, then started; how long until the backlog is gone, and how fast it went.
/// </summary>
/// <param name="Backlog">Ticks sent but not stored when the database came back.</param>
/// <param name="CaughtUp">From the database's return until the rows stored reach the ticks sent a second earlier (null: not within the timeout).</param>
/// <param name="LandedPerSecond">Rows committed per second while catching up (live ticks included).</param>
/// <param name="FirstRowAfter">From the database's return to the first row committed: how long the writers took to notice it (null: none).</param>
/// <param name="Expired">Ticks the broker deleted before the writer read them during the phase (its retention; 0 with a broker that keeps the backlog).</param>
internal sealed record CatchUpResult(
    int LiveRate,
    TimeSpan Outage,
    string OutageReason,
    long Backlog,
    TimeSpan? CaughtUp,
    double LandedPerSecond,
    TimeSpan? FirstRowAfter,
    long? Expired,
    TimeSpan? Drain)
{
    /// <summary>How fast the backlog shrank: what landed above the live rate.</summary>
    public double BacklogShrinkPerSecond => LandedPerSecond - LiveRate;
}
