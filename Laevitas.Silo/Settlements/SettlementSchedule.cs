namespace Laevitas.Silo.Settlements;

/// <summary>Deribit settles every day at 08:00 UTC (daily, weekly, monthly and quarterly expiries alike).</summary>
public static class SettlementSchedule
{
    public static readonly TimeSpan TimeOfDay = TimeSpan.FromHours(8);

    /// <summary>The most recent settlement at or before <paramref name="now"/>.</summary>
    public static DateTimeOffset Latest(DateTimeOffset now)
    {
        var utc = now.ToUniversalTime();
        var today = new DateTimeOffset(utc.Date + TimeOfDay, TimeSpan.Zero);
        return utc >= today ? today : today.AddDays(-1);
    }

    /// <summary>The first settlement after <paramref name="now"/>.</summary>
    public static DateTimeOffset Next(DateTimeOffset now) => Latest(now).AddDays(1);

    /// <summary>The delivery date of the settlement at <paramref name="settlement"/>.</summary>
    public static DateOnly DateOf(DateTimeOffset settlement) => DateOnly.FromDateTime(settlement.UtcDateTime);
}
