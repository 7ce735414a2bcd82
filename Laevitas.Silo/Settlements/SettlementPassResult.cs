namespace Laevitas.Silo.Settlements;

/// <summary>What one backfill pass did: per index the newest date stored after it, and what failed.</summary>
public sealed record SettlementPassResult(
    IReadOnlyDictionary<string, DateOnly?> NewestStored,
    IReadOnlyDictionary<string, string> Failures,
    int Calls,
    int Inserted,
    int Updated)
{
    /// <summary>The indexes (fetched without failure) whose newest stored date is before <paramref name="date"/>.</summary>
    public IReadOnlyList<string> IndexesWithout(DateOnly date) =>
        NewestStored.Where(entry => entry.Value is not { } newest || newest < date).Select(entry => entry.Key).ToArray();
}
