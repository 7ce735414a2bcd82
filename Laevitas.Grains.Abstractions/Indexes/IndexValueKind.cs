namespace Laevitas.Grains.Abstractions.Indexes;

/// <summary>Which of an index's three Deribit channels a value came from; stored as the <c>kind</c> column.</summary>
public enum IndexValueKind
{
    /// <summary><c>deribit_price_index.{index}</c>: the index price (<c>price</c>, exchange <c>timestamp</c>).</summary>
    Price = 0,

    /// <summary><c>deribit_volatility_index.{index}</c>: DVOL (<c>volatility</c>, exchange <c>timestamp</c>).</summary>
    Volatility = 1,

    /// <summary>
    /// <c>estimated_expiration_price.{index}</c>: the estimated delivery price (<c>price</c>, <c>seconds</c> to the next
    /// expiry, <c>is_estimated</c>). The notification carries no timestamp, so its time is when the silo read it.
    /// </summary>
    EstimatedExpiration = 2,
}

/// <summary>The names the API, the client and the table use for <see cref="IndexValueKind"/>.</summary>
public static class IndexValueKinds
{
    public static string Name(this IndexValueKind kind) => kind switch
    {
        IndexValueKind.Price => "price",
        IndexValueKind.Volatility => "volatility",
        IndexValueKind.EstimatedExpiration => "estimated_expiration",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static IndexValueKind? Parse(string? name) => name switch
    {
        "price" => IndexValueKind.Price,
        "volatility" or "dvol" => IndexValueKind.Volatility,
        "estimated_expiration" => IndexValueKind.EstimatedExpiration,
        _ => null,
    };
}
