namespace Laevitas.Feed;

/// <summary>
/// Deribit's index names (<c>base_quote</c>, lower case) that the configured currencies' instruments are priced off and
/// settle at, and the index channels the feed follows for them.
/// </summary>
public static class DeribitIndexes
{
    /// <summary>Prefix of <c>deribit_price_index.{index}</c>: the index price, about once a second.</summary>
    public const string PriceChannelPrefix = "deribit_price_index.";

    /// <summary>Prefix of <c>deribit_volatility_index.{index}</c>: DVOL.</summary>
    public const string VolatilityChannelPrefix = "deribit_volatility_index.";

    /// <summary>Prefix of <c>estimated_expiration_price.{index}</c>.</summary>
    public const string EstimatedExpirationChannelPrefix = "estimated_expiration_price.";

    // Inverse instruments (settled in BTC, ETH) are priced off and deliver at the USD index of their coin; linear ones
    // (settled in USDC) at the USDC index of their base, and the bases with expiring USDC futures and options are these
    // (docs.deribit.com's index_name list; the simulator's linear underlyings too). USDT and EURR settle only spot pairs
    // and perpetuals on Deribit: nothing expires, so no index of their own is followed.
    private static readonly string[] Usdc = ["btc_usdc", "eth_usdc", "sol_usdc", "xrp_usdc"];

    // Deribit computes DVOL (its 30-day implied volatility index) for BTC and ETH only: the channel's documented
    // index_name enum is shared by every index channel and lists all 47 indexes, but the DVOL indexes Deribit lists
    // (btcdvol_usdc, ethdvol_usdc, and its DVOL futures) exist for those two coins alone. Subscribing elsewhere would
    // hold a channel the exchange never sends on, so it is not asked for.
    private static readonly string[] WithVolatilityIndex = ["btc_usd", "eth_usd"];

    /// <summary>The indexes the instruments settled in <paramref name="currency"/> are priced off and deliver at.</summary>
    public static IReadOnlyList<string> ForCurrency(string currency) => currency.ToUpperInvariant() switch
    {
        "BTC" => ["btc_usd"],
        "ETH" => ["eth_usd"],
        "USDC" => Usdc,
        "ANY" => ["btc_usd", "eth_usd", .. Usdc],
        _ => [],
    };

    /// <summary>The indexes of every configured currency, each once, in a stable order.</summary>
    public static IReadOnlyList<string> ForCurrencies(IEnumerable<string> currencies)
    {
        ArgumentNullException.ThrowIfNull(currencies);
        var indexes = new List<string>();
        foreach (var currency in currencies)
        {
            foreach (var index in ForCurrency(currency))
            {
                if (!indexes.Contains(index, StringComparer.Ordinal))
                {
                    indexes.Add(index);
                }
            }
        }

        return indexes;
    }

    /// <summary>Whether Deribit publishes DVOL for the index (btc_usd, eth_usd).</summary>
    public static bool HasVolatilityIndex(string indexName) => WithVolatilityIndex.Contains(indexName, StringComparer.Ordinal);

    /// <summary>The index channels of these indexes: price index and estimated expiration price of each, DVOL where it exists.</summary>
    public static IReadOnlyList<string> Channels(IEnumerable<string> indexes)
    {
        ArgumentNullException.ThrowIfNull(indexes);
        var channels = new List<string>();
        foreach (var index in indexes)
        {
            channels.Add(PriceChannelPrefix + index);
            if (HasVolatilityIndex(index))
            {
                channels.Add(VolatilityChannelPrefix + index);
            }

            channels.Add(EstimatedExpirationChannelPrefix + index);
        }

        return channels;
    }
}
