namespace Laevitas.Grains.Abstractions.Settlements;

/// <summary>One row of <c>deribit_delivery_prices</c>: the price an index delivered at on one day's 08:00 UTC settlement.</summary>
[GenerateSerializer, Immutable]
public sealed record SettlementRow
{
    /// <summary>Deribit's index name, e.g. <c>btc_usd</c>, <c>eth_usd</c>, <c>sol_usdc</c>.</summary>
    [Id(0)] public required string IndexName { get; init; }

    /// <summary>The delivery date (UTC day of the 08:00 settlement).</summary>
    [Id(1)] public DateOnly Date { get; init; }

    [Id(2)] public double DeliveryPrice { get; init; }
}
