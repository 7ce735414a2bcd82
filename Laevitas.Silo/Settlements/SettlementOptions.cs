namespace Laevitas.Silo.Settlements;

/// <summary>Section <c>Settlements</c>: the backfill of Deribit's delivery prices into <c>deribit_delivery_prices</c>.</summary>
public sealed class SettlementOptions
{
    public const string SectionName = "Settlements";

    /// <summary>Off ⇒ nothing is fetched (the table and the query stay).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Index names to backfill, comma-separated (<c>btc_usd,eth_usd</c>). Empty (the default) ⇒ derived from
    /// <c>Deribit:Currencies</c> (<see cref="SettlementIndexes"/>).
    /// </summary>
    public string Indexes { get; set; } = "";

    /// <summary><c>count</c> of each <c>get_delivery_prices</c> call (the exchange returns at most 1000).</summary>
    public int PageSize { get; set; } = 1000;

    /// <summary>
    /// How long after 08:00 UTC a pass runs: the delivery price is the index's average over the half hour before 08:00,
    /// published once computed, so a pass at 08:00 sharp would mostly find nothing new.
    /// </summary>
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>First wait after a failed pass (or one that did not find the day's settlement yet); doubles each time.</summary>
    public TimeSpan RetryMinDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait between retries.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long after 08:00 a pass that did not find the day's delivery price of every index tries again. Past it, the
    /// index is taken not to have settled that day (not every index has a daily expiry) and waits for the next one.
    /// </summary>
    public TimeSpan LateWindow { get; set; } = TimeSpan.FromHours(2);

    /// <summary>The index names of <see cref="Indexes"/>, trimmed, empty entries left out.</summary>
    public IReadOnlyList<string> IndexList() =>
        Indexes.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToArray();
}
