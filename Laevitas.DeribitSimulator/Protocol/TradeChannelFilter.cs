using Laevitas.DeribitSimulator.Universe;

namespace Laevitas.DeribitSimulator.Protocol;

/// <summary>
/// Which trades a <c>trades.*</c> channel carries: a kind and currency (either may be <c>any</c>), or one instrument. Also
/// which listings an <c>instrument.state.{kind}.{currency}</c> channel carries (no instrument, no interval).
/// </summary>
internal readonly record struct TradeChannelFilter(string? Kind, string? Currency, string? Instrument, string Interval)
{
    /// <summary>
    /// Whether a trade of <paramref name="instrument"/> goes on this channel. The currency is matched like
    /// <c>public/get_instruments</c> matches it (the settlement currency: linear instruments under USDC).
    /// </summary>
    public bool Matches(SimInstrument instrument) =>
        Instrument is { } name
            ? string.Equals(name, instrument.InstrumentName, StringComparison.Ordinal)
            : (Kind == "any" || Kind == instrument.KindName) && (Currency == "any" || Currency == instrument.SettlementCurrency);
}
