namespace Laevitas.Grains.Abstractions.Instruments;

/// <summary>
/// The parts of a Deribit instrument name. For <see cref="InstrumentKind.Unknown"/> every part is null and
/// only <see cref="Raw"/> is meaningful: a partly recognisable name is not trusted piecemeal.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ParsedInstrumentName
{
    /// <summary>The name exactly as given.</summary>
    [Id(0)] public required string Raw { get; init; }

    [Id(1)] public InstrumentKind Kind { get; init; }

    /// <summary>Base currency: <c>BTC</c> for <c>BTC-PERPETUAL</c>, <c>XRP</c> for <c>XRP_USDC-30MAY25-0d625-C</c>.</summary>
    [Id(2)] public string? Currency { get; init; }

    /// <summary>Quote currency of linear instruments and spot pairs (<c>USDC</c>); null for inverse ones.</summary>
    [Id(3)] public string? QuoteCurrency { get; init; }

    /// <summary>
    /// Expiry date (Deribit settles at 08:00 UTC, see <see cref="ExpiresAt"/>). For combos, the earliest
    /// leg's expiry. Null for perpetuals, spot and unknown names.
    /// </summary>
    [Id(4)] public DateOnly? Expiry { get; init; }

    /// <summary>Option strike; <c>d</c> in the name is the decimal point (<c>0d625</c> = 0.625).</summary>
    [Id(5)] public decimal? Strike { get; init; }

    /// <summary><c>'C'</c> or <c>'P'</c> for single options, otherwise null.</summary>
    [Id(6)] public char? OptionType { get; init; }

    /// <summary>Combo strategy code (<c>FS</c>, <c>CS</c>, <c>STRG</c>, <c>STRD</c>, <c>BOX</c>, ...) for combos.</summary>
    [Id(7)] public string? ComboType { get; init; }

    /// <summary>Expiry instant: Deribit instruments expire at 08:00 UTC on their expiry date.</summary>
    public DateTimeOffset? ExpiresAt =>
        Expiry is { } date ? new DateTimeOffset(date.ToDateTime(InstrumentNameParser.ExpiryTimeOfDay), TimeSpan.Zero) : null;
}
