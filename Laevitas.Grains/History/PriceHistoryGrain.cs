using Laevitas.Grains.Abstractions.History;
using Orleans.Concurrency;

namespace Laevitas.Grains.History;

/// <summary>Serves <see cref="IPriceHistoryGrain"/> on whichever silo the caller reaches, from that silo's data source.</summary>
[StatelessWorker]
[GrainType(GrainTypeName)]
public sealed class PriceHistoryGrain(PriceHistoryReader reader, Trades.TradeHistoryReader trades, Settlements.DeliveryPricesStore settlements,
    Indexes.IndexValuesStore indexes)
    : Grain, IPriceHistoryGrain
{
    public const string GrainTypeName = "price-history";

    public Task<PriceHistory> GetHistoryAsync(PriceHistoryQuery query) => reader.ReadAsync(query);

    public Task<Abstractions.Trades.TradeHistory> GetTradesAsync(PriceHistoryQuery query) => trades.ReadAsync(query);

    public Task<Abstractions.Settlements.SettlementHistory> GetSettlementsAsync(Abstractions.Settlements.SettlementQuery query) =>
        settlements.ReadAsync(query);

    public Task<Abstractions.Indexes.IndexHistory> GetIndexHistoryAsync(Abstractions.Indexes.IndexHistoryQuery query) => indexes.ReadAsync(query);
}
