namespace Laevitas.Feed.Settlements;

/// <summary>One element of a <c>get_delivery_prices</c> answer's <c>data</c>: <c>{"date":"2020-01-02","delivery_price":7131.21}</c>.</summary>
public readonly record struct DeliveryPrice(DateOnly Date, double Price);
