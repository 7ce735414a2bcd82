namespace Laevitas.DeribitSimulator.Protocol;

/// <summary>
/// Channel-name grammar: <c>ticker.{instrument_name}.{raw|100ms|agg2}</c>, <c>trades.…</c>,
/// <c>instrument.state.{kind}.{currency}</c> and <c>platform_state</c>.
/// </summary>
internal static class ChannelName
{
    public const string PlatformState = "platform_state";

    public const string InstrumentStatePrefix = "instrument.state.";

    public static bool TryParseTicker(string channel, out string instrumentName, out string interval)
    {
        instrumentName = "";
        interval = "";
        if (!channel.StartsWith("ticker.", StringComparison.Ordinal)) return false;
        var lastDot = channel.LastIndexOf('.');
        if (lastDot <= "ticker.".Length) return false;
        interval = channel[(lastDot + 1)..];
        if (interval is not ("raw" or "100ms" or "agg2")) return false;
        instrumentName = channel["ticker.".Length..lastDot];
        return instrumentName.Length > 0;
    }

    /// <summary>
    /// <c>trades.{kind}.{currency}.{interval}</c> (kind: future, option, spot, future_combo, option_combo or any; currency
    /// or any) or <c>trades.{instrument_name}.{interval}</c>. Instrument names carry no dot, so two parts in between
    /// are a kind and a currency, one part an instrument.
    /// </summary>
    public static bool TryParseTrades(string channel, out TradeChannelFilter filter)
    {
        filter = default;
        if (!channel.StartsWith("trades.", StringComparison.Ordinal)) return false;
        var parts = channel.Split('.');
        var interval = parts[^1];
        if (interval is not ("raw" or "100ms" or "agg2")) return false;
        if (parts.Length == 4 && parts[1].Length > 0 && parts[2].Length > 0)
        {
            if (!IsKind(parts[1])) return false;
            filter = new TradeChannelFilter(parts[1], parts[2], null, interval);
            return true;
        }

        if (parts.Length == 3 && parts[1].Length > 0)
        {
            filter = new TradeChannelFilter(null, null, parts[1], interval);
            return true;
        }

        return false;
    }

    /// <summary>
    /// <c>instrument.state.{kind}.{currency}</c> (kind: future, option, spot, future_combo, option_combo or any; currency
    /// or any): the listings of that market, filtered like a market trades channel (no interval).
    /// </summary>
    public static bool TryParseInstrumentState(string channel, out TradeChannelFilter filter)
    {
        filter = default;
        if (!channel.StartsWith(InstrumentStatePrefix, StringComparison.Ordinal)) return false;
        var parts = channel.Split('.');
        if (parts.Length != 4 || !IsKind(parts[2]) || parts[3].Length == 0) return false;
        filter = new TradeChannelFilter(parts[2], parts[3], null, "");
        return true;
    }

    /// <summary>
    /// <c>deribit_price_index.{index}</c>, <c>deribit_volatility_index.{index}</c> or
    /// <c>estimated_expiration_price.{index}</c>; <paramref name="kind"/> is the prefix without the dot. Whether the
    /// index exists is the caller's question.
    /// </summary>
    public static bool TryParseIndex(string channel, out string kind, out string indexName)
    {
        kind = "";
        indexName = "";
        var dot = channel.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == channel.Length - 1 || channel.IndexOf('.', dot + 1) >= 0) return false;
        kind = channel[..dot];
        indexName = channel[(dot + 1)..];
        return kind is Indexes.IndexPublisher.PriceChannel or Indexes.IndexPublisher.VolatilityChannel or Indexes.IndexPublisher.EstimatedExpirationChannel;
    }

    private static bool IsKind(string kind) => kind is "future" or "option" or "spot" or "future_combo" or "option_combo" or "any";
}
