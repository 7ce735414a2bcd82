namespace Laevitas.Export;

/// <summary>A market-data table that can be exported, by the name the client and the API use.</summary>
/// <param name="Name">What users type: <c>prices</c>, <c>trades</c>.</param>
/// <param name="SqlName">The table in PostgreSQL.</param>
/// <param name="OrderBy">
/// A total order served by an index of the table, so the same range exports to the same file every time without
/// sorting a day of rows: the primary key (instrument_name, timestamp) for prices, the (instrument_name, timestamp)
/// index then the trade id for trades.
/// </param>
/// <param name="TimeMs">
/// The row's exchange time in Unix ms as SQL, which the requested range selects on: the <c>timestamp</c> column of
/// prices and trades; for settlements the 08:00 UTC settlement of the delivery date (a row per index and day).
/// </param>
public sealed record ExportTable(string Name, string SqlName, string OrderBy, string TimeMs = "\"timestamp\"")
{
    public static ExportTable Prices { get; } = new("prices", "deribit_prices", "instrument_name, \"timestamp\"");

    public static ExportTable Trades { get; } = new("trades", "deribit_trades", "instrument_name, \"timestamp\", currency, trade_id");

    public static ExportTable Settlements { get; } = new("settlements", "deribit_delivery_prices", "index_name, delivery_date",
        "(extract(epoch FROM delivery_date + time '08:00') * 1000)::bigint");

    public static IReadOnlyList<ExportTable> All { get; } = [Prices, Trades, Settlements];

    public static ExportTable? Find(string? name) =>
        All.FirstOrDefault(table => string.Equals(table.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase));
}
