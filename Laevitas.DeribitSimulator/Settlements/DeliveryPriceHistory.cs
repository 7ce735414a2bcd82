namespace Laevitas.DeribitSimulator.Settlements;

/// <summary>
/// The delivery prices <c>public/get_delivery_prices</c> answers: one per index and day from
/// <see cref="SimulatorOptions.SettlementsSince"/> to the latest 08:00 UTC of <see cref="SimulatorOptions.Clock"/>, so a
/// new settlement appears each day at 08:00 of that clock (a test can run it accelerated). A day's price depends only on
/// the seed, the index and the date: the same date always delivers at the same price, whenever it is asked.
/// With <see cref="SimulatorOptions.DailySchedule"/> the days after the start are the schedule's instead: a day appears
/// when the schedule settles it (<see cref="Settle"/>), at the level its index had then, the price its expiring
/// instruments are delivered at.
/// </summary>
internal sealed class DeliveryPriceHistory
{
    /// <summary>Deribit settles every day at 08:00 UTC.</summary>
    public static readonly TimeSpan SettlementTime = TimeSpan.FromHours(8);

    private readonly TimeProvider clock;
    private readonly int seed;
    private readonly DateOnly since;
    private readonly Dictionary<string, double> levels;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Index, DateOnly Date), double> settled = new();

    // DayNumber of the newest day the daily schedule has settled; -1 ⇒ no schedule, the clock decides.
    private int settledThrough = -1;

    public DeliveryPriceHistory(SimulatorOptions options, DateTimeOffset reference, IReadOnlyDictionary<string, double> indexPrices)
    {
        clock = options.Clock;
        seed = options.Seed;
        since = options.SettlementsSince ?? DateOnly.FromDateTime(reference.UtcDateTime).AddDays(-365);
        levels = new Dictionary<string, double>(indexPrices, StringComparer.Ordinal);
        if (options.DailySchedule)
        {
            settledThrough = DateOnly.FromDateTime(Universe.DailySchedule.ListingDayOf(clock.GetUtcNow()).UtcDateTime).DayNumber;
        }
    }

    /// <summary>
    /// The daily schedule settles <paramref name="date"/>: each index's delivery price is <paramref name="level"/> of it
    /// now (given the index and its starting level), and the day is listed from now on (not before: no client sees a
    /// price that the day's deliveries do not use).
    /// </summary>
    public void Settle(DateOnly date, Func<string, double, double> level)
    {
        foreach (var (index, start) in levels)
        {
            settled[(index, date)] = level(index, start);
        }

        Volatile.Write(ref settledThrough, Math.Max(Volatile.Read(ref settledThrough), date.DayNumber));
    }

    /// <summary>The indexes that settle: the price index of every underlying of the universe.</summary>
    public IReadOnlyList<string> Indexes => levels.Keys.Order(StringComparer.Ordinal).ToArray();

    public bool IsKnown(string indexName) => levels.ContainsKey(indexName);

    /// <summary>Settlements so far (every index has the same dates).</summary>
    public int Count
    {
        get
        {
            var newest = Newest();
            return newest < since ? 0 : newest.DayNumber - since.DayNumber + 1;
        }
    }

    /// <summary>The <paramref name="count"/> settlements of <paramref name="indexName"/> after skipping <paramref name="offset"/>, newest first.</summary>
    public IReadOnlyList<SimulatedDeliveryPrice> Page(string indexName, long offset, int count)
    {
        var newest = Newest();
        var total = newest < since ? 0 : newest.DayNumber - since.DayNumber + 1;
        var page = new List<SimulatedDeliveryPrice>();
        for (var i = offset; i < total && page.Count < count; i++)
        {
            var date = newest.AddDays(-(int)i);
            page.Add(new SimulatedDeliveryPrice(date, PriceOf(indexName, date)));
        }

        return page;
    }

    /// <summary>The whole history of <paramref name="indexName"/>, newest first.</summary>
    public IReadOnlyList<SimulatedDeliveryPrice> All(string indexName) => Page(indexName, 0, int.MaxValue);

    /// <summary>
    /// The date of the latest settlement of the clock: today once it is past 08:00 UTC, yesterday before (on the daily
    /// schedule, the latest day it has settled).
    /// </summary>
    public DateOnly Newest()
    {
        if (Volatile.Read(ref settledThrough) is var through and >= 0) return DateOnly.FromDayNumber(through);
        var now = clock.GetUtcNow().UtcDateTime;
        var today = DateOnly.FromDateTime(now);
        return now.TimeOfDay >= SettlementTime ? today : today.AddDays(-1);
    }

    /// <summary>
    /// The delivery price of <paramref name="indexName"/> on <paramref name="date"/>: what <c>get_delivery_prices</c>
    /// lists for that day once the clock has passed its 08:00, and what an instrument expiring then is delivered at.
    /// </summary>
    public double PriceOf(string indexName, DateOnly date)
    {
        if (settled.TryGetValue((indexName, date), out var delivered)) return delivered;

        // A slow yearly swing of ±25 % plus ±3 % of day-to-day noise around the index's level; unrounded, as Deribit's
        // delivery prices are (an average of index values).
        var level = levels[indexName];
        var noise = (Mix((ulong)(uint)seed, Hash(indexName), (ulong)date.DayNumber) >> 11) * (1.0 / (1UL << 53)) * 2 - 1;
        var swing = Math.Sin(2 * Math.PI * date.DayNumber / 365.25 + (Hash(indexName) % 628) / 100.0);
        return level * (1 + 0.25 * swing + 0.03 * noise);
    }

    // string.GetHashCode differs between processes; the history must not.
    private static ulong Hash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }

    private static ulong Mix(ulong a, ulong b, ulong c)
    {
        var z = a * 0x9E3779B97F4A7C15UL ^ b ^ (c * 0xBF58476D1CE4E5B9UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
