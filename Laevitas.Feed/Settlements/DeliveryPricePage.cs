namespace Laevitas.Feed.Settlements;

/// <summary>One answer of <c>public/get_delivery_prices</c>: its entries (newest first, as sent) and <c>records_total</c>.</summary>
public sealed record DeliveryPricePage(IReadOnlyList<DeliveryPrice> Prices, long RecordsTotal);
