using System.Text.RegularExpressions;
using Laevitas.DeribitSimulator.Ledger;
using Npgsql;

namespace Laevitas.Testing.Trades;

/// <summary>
/// A row of <c>deribit_trades</c> as the tests compare it with the trade the simulator generated: every stored value
/// but the receive time (the silo's clock) and the trade id (the key both sides are looked up by).
/// </summary>
public sealed partial record StoredTrade(
    string InstrumentName,
    long TradeSeq,
    long Timestamp,
    string? Kind,
    double Price,
    double Amount,
    double Contracts,
    string Direction,
    double? Iv,
    double IndexPrice,
    double MarkPrice,
    int TickDirection,
    string? Liquidation,
    string? BlockTradeId,
    int? BlockTradeLegCount)
{
    /// <summary>The row the writer must store for <paramref name="trade"/>, value for value.</summary>
    public static StoredTrade Expected(SimulatedTrade trade) => new(
        trade.InstrumentName, trade.TradeSeq, trade.Timestamp, KindOf(trade.InstrumentName),
        trade.Price, trade.Amount, trade.Contracts, trade.Direction, trade.Iv, trade.IndexPrice, trade.MarkPrice, trade.TickDirection,
        trade.Liquidation, trade.BlockTradeId, trade.BlockTradeLegCount);

    /// <summary>
    /// Every row of <c>deribit_trades</c> with an exchange timestamp in (<paramref name="fromExclusive"/>,
    /// <paramref name="toInclusive"/>], by trade id.
    /// </summary>
    public static async Task<Dictionary<string, StoredTrade>> ReadAsync(
        NpgsqlDataSource database, long fromExclusive = long.MinValue, long toInclusive = long.MaxValue)
    {
        var rows = new Dictionary<string, StoredTrade>(StringComparer.Ordinal);
        await using var command = database.CreateCommand(
            "SELECT trade_id, instrument_name, trade_seq, \"timestamp\", kind, price, amount, contracts, direction, iv, index_price, mark_price, " +
            "tick_direction, liquidation, block_trade_id, block_trade_leg_count FROM deribit_trades WHERE \"timestamp\" > @from AND \"timestamp\" <= @to");
        command.Parameters.AddWithValue("from", fromExclusive);
        command.Parameters.AddWithValue("to", toInclusive);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0), new StoredTrade(
                reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetDouble(5), reader.GetDouble(6), reader.GetDouble(7), reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetDouble(9), reader.GetDouble(10), reader.GetDouble(11), reader.GetInt32(12),
                reader.IsDBNull(13) ? null : reader.GetString(13), reader.IsDBNull(14) ? null : reader.GetString(14),
                reader.IsDBNull(15) ? null : reader.GetInt32(15)));
        }

        return rows;
    }

    /// <summary>
    /// The kind a trade's row carries: Deribit's names encode it (a trade message has no kind field), so it is read
    /// off the name, written here as a pattern independent of the service's parser. A name in none of the shapes the
    /// simulator lists (a chaos case lists one made of SQL) gets no kind.
    /// </summary>
    public static string? KindOf(string instrument)
    {
        var match = DeribitName().Match(instrument);
        return !match.Success ? null
            : match.Groups["perpetual"].Success ? "perpetual"
            : match.Groups["option"].Success ? "option"
            : "future";
    }

    // CUR[_QUOTE]-PERPETUAL, CUR[_QUOTE]-DMMMYY, CUR[_QUOTE]-DMMMYY-STRIKE-C|P (strike decimals written with a 'd').
    [GeneratedRegex(@"^[A-Z0-9]+(_[A-Z0-9]+)?-((?<perpetual>PERPETUAL)|[0-9]{1,2}[A-Z]{3}[0-9]{2}(?<option>-[0-9]+(d[0-9]+)?-[CP])?)$", RegexOptions.CultureInvariant)]
    private static partial Regex DeribitName();
}
