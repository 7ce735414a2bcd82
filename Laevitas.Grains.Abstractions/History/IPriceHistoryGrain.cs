namespace Laevitas.Grains.Abstractions.History;

/// <summary>
/// Reads stored ticks from PostgreSQL inside the cluster, so the command-line client needs no database address or
/// credentials of its own (and works when the silo runs a private PostgreSQL). A stateless worker: every silo answers
/// locally, several calls run in parallel. Use key 0.
/// </summary>
public interface IPriceHistoryGrain : IGrainWithIntegerKey
{
    /// <exception cref="HistoryStorageUnavailableException">PostgreSQL could not be reached or failed the query.</exception>
    Task<PriceHistory> GetHistoryAsync(PriceHistoryQuery query);

    /// <summary>The stored trades of the query's instrument and range (<c>deribit_trades</c>), oldest first.</summary>
    /// <exception cref="HistoryStorageUnavailableException">The database could not answer.</exception>
    Task<Trades.TradeHistory> GetTradesAsync(PriceHistoryQuery query);

    /// <summary>The stored delivery prices of the query's index and dates (<c>deribit_delivery_prices</c>), oldest first.</summary>
    /// <exception cref="HistoryStorageUnavailableException">The database could not answer.</exception>
    Task<Settlements.SettlementHistory> GetSettlementsAsync(Settlements.SettlementQuery query);

    /// <summary>The stored values of the query's index, range and kind (<c>deribit_index_values</c>), oldest first.</summary>
    /// <exception cref="HistoryStorageUnavailableException">The database could not answer.</exception>
    Task<Indexes.IndexHistory> GetIndexHistoryAsync(Indexes.IndexHistoryQuery query);
}
