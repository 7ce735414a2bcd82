using Laevitas.Grains.Abstractions.History;
using Orleans.Concurrency;

namespace Laevitas.Grains.History;

/// <summary>Serves <see cref="IPriceHistoryGrain"/> on whichever silo the caller reaches, from that silo's data source.</summary>
[StatelessWorker]
[GrainType(GrainTypeName)]
public sealed class PriceHistoryGrain(PriceHistoryReader reader, Trades.TradeHistoryReader trades) : Grain, IPriceHistoryGrain
{
    public const string GrainTypeName = "price-history";

    public Task<PriceHistory> GetHistoryAsync(PriceHistoryQuery query) => reader.ReadAsync(query);

    public Task<Abstractions.Trades.TradeHistory> GetTradesAsync(PriceHistoryQuery query) => trades.ReadAsync(query);
}
