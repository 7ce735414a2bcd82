namespace Laevitas.DeribitSimulator.Ledger;

/// <summary>
/// One trade the simulator generated, with the values it sent (the fields of a <c>trades.*</c> notification's
/// element); null where the trade did not carry the field. <see cref="Json"/> is the trade object exactly as written.
/// </summary>
public sealed record SimulatedTrade(
    string InstrumentName,
    string TradeId,
    long TradeSeq,
    long Timestamp,
    int TickDirection,
    double Price,
    double MarkPrice,
    double? Iv,
    double IndexPrice,
    string Direction,
    double Amount,
    double Contracts,
    string? Liquidation,
    string? BlockTradeId,
    int? BlockTradeLegCount,
    string Json);
