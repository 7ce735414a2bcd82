using Laevitas.Feed;

namespace Laevitas.Silo.Settlements;

/// <summary>Which of Deribit's indexes to backfill: <c>Settlements:Indexes</c>, or those the followed currencies settle against.</summary>
public static class SettlementIndexes
{
    /// <summary>The index names to backfill, in a stable order.</summary>
    public static IReadOnlyList<string> Resolve(SettlementOptions settlements, DeribitOptions deribit)
    {
        ArgumentNullException.ThrowIfNull(settlements);
        ArgumentNullException.ThrowIfNull(deribit);
        var explicitIndexes = settlements.IndexList();
        if (explicitIndexes.Count > 0)
        {
            return explicitIndexes;
        }

        return DeribitIndexes.ForCurrencies(deribit.Currencies);
    }

    /// <summary>The indexes the instruments settled in <paramref name="currency"/> deliver at (<see cref="DeribitIndexes.ForCurrency"/>).</summary>
    public static IReadOnlyList<string> ForCurrency(string currency) => DeribitIndexes.ForCurrency(currency);
}
