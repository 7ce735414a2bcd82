namespace Laevitas.Feed.Settlements;

/// <summary>One session's <c>public/get_delivery_prices</c> calls; dispose to close it.</summary>
public sealed class DeliveryPriceConnection : IAsyncDisposable
{
    private const string Method = "public/get_delivery_prices";

    private readonly FeedContext context;
    private readonly DeribitSession session;

    internal DeliveryPriceConnection(FeedContext context, DeribitSession session)
    {
        this.context = context;
        this.session = session;
    }

    /// <summary>Calls made on this connection so far.</summary>
    public int Calls { get; private set; }

    /// <summary>
    /// The delivery prices of <paramref name="indexName"/>, newest first, page after page of <paramref name="pageSize"/>
    /// until a page reaches <paramref name="storedUpTo"/> (a date already stored: the rest is too) or the history ends.
    /// The page that reaches it is kept whole, so the newest stored dates are fetched again and a price the exchange
    /// corrected since replaces the stored one.
    /// </summary>
    /// <exception cref="DeliveryPriceFetchException">An error answer, an unreadable one, or the session ended.</exception>
    public async Task<IReadOnlyList<DeliveryPrice>> FetchSinceAsync(string indexName, DateOnly? storedUpTo, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(indexName);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var prices = new List<DeliveryPrice>();
        long offset = 0;
        while (true)
        {
            var page = await FetchPageAsync(indexName, offset, pageSize, cancellationToken).ConfigureAwait(false);
            prices.AddRange(page.Prices);
            // A settlement landing between two pages shifts the history by one: the next page then repeats a date (the
            // store keeps one) but never skips one, since offsets count from the newest.
            offset += page.Prices.Count;
            if (page.Prices.Count == 0 || offset >= page.RecordsTotal || (storedUpTo is { } stored && page.Prices[^1].Date <= stored))
            {
                return prices;
            }
        }
    }

    /// <summary>One <c>get_delivery_prices</c> call.</summary>
    /// <exception cref="DeliveryPriceFetchException">An error answer, an unreadable one, or the session ended.</exception>
    public async Task<DeliveryPricePage> FetchPageAsync(string indexName, long offset, int count, CancellationToken cancellationToken)
    {
        // The exchange's budget for non-matching-engine calls is shared with discovery's; keep to the same pace.
        await context.DiscoveryPacer.WaitAsync(cancellationToken).ConfigureAwait(false);
        RpcResponse response;
        try
        {
            Calls++;
            response = await session.CallAsync(Method, w =>
            {
                w.WriteString("index_name"u8, indexName);
                w.WriteNumber("offset"u8, offset);
                w.WriteNumber("count"u8, count);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (SessionEndedException ex)
        {
            throw new DeliveryPriceFetchException($"{Method} {indexName}: {ex.Message}", ex);
        }

        if (response.IsError)
        {
            throw new DeliveryPriceFetchException($"{Method} {indexName} offset {offset}: {response.ErrorCode} {response.ErrorMessage}", response.ErrorCode);
        }

        try
        {
            return DeliveryPricesParser.Parse(response.Result);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new DeliveryPriceFetchException($"{Method} {indexName}: unreadable answer: {ex.Message}", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await session.CloseAsync().ConfigureAwait(false);
        await session.DisposeAsync().ConfigureAwait(false);
    }
}
