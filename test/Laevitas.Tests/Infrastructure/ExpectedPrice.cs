namespace Laevitas.Tests.Infrastructure;

/// <summary>A <c>deribit_prices</c> row (without <c>createdAt</c>) as a value, for comparing generated ticks with stored rows.</summary>
public sealed record ExpectedPrice(
    string InstrumentName,
    double? UnderlyingPrice,
    long Timestamp,
    double? SettlementPrice,
    double? OpenInterest,
    double? MinPrice,
    double? MaxPrice,
    double? MarkPrice,
    double? MarkIv,
    double? LastPrice,
    double? InterestRate,
    double? IndexPrice,
    double? BidIv,
    double? BestBidPrice,
    double? BestBidAmount,
    double? BestAskPrice,
    double? BestAskAmount,
    double? AskIv,
    string? Currency,
    DateOnly? Maturity,
    double? Strike,
    string? Type,
    string? Kind,
    string? UnderlyingIndex,
    double? EstimatedDeliveryPrice,
    string? State,
    double? Delta,
    double? Gamma,
    double? Vega,
    double? Theta,
    double? Rho,
    double? StatsVolume,
    double? StatsPriceChange,
    double? StatsLow,
    double? StatsHigh,
    DateTime? ReceivedAt)
{
    /// <summary>The column list in the order of the constructor, for <c>SELECT</c>.</summary>
    public const string Columns =
        "instrument_name, underlying_price, \"timestamp\", settlement_price, open_interest, min_price, max_price, mark_price, " +
        "mark_iv, last_price, interest_rate, index_price, bid_iv, best_bid_price, best_bid_amount, best_ask_price, " +
        "best_ask_amount, ask_iv, currency, maturity, strike, type, kind, underlying_index, estimated_delivery_price, state, " +
        "delta, gamma, vega, theta, rho, stats_volume, stats_price_change, stats_low, stats_high, received_at";

    /// <summary>Every row of <c>deribit_prices</c> by its key; fails the test on a key stored twice.</summary>
    public static async Task<Dictionary<(string, long), ExpectedPrice>> ReadAllAsync(Npgsql.NpgsqlDataSource dataSource)
    {
        var rows = new Dictionary<(string, long), ExpectedPrice>();
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM deribit_prices");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var row = Read(reader);
            Assert.True(rows.TryAdd((row.InstrumentName, row.Timestamp), row), $"row {row.InstrumentName}@{row.Timestamp} stored twice");
        }

        return rows;
    }

    public static ExpectedPrice Read(Npgsql.NpgsqlDataReader r)
    {
        double? D(int i) => r.IsDBNull(i) ? null : r.GetDouble(i);
        string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        return new ExpectedPrice(
            r.GetString(0), D(1), r.GetInt64(2), D(3), D(4), D(5), D(6), D(7), D(8), D(9), D(10), D(11), D(12), D(13), D(14),
            D(15), D(16), D(17), S(18), r.IsDBNull(19) ? null : r.GetFieldValue<DateOnly>(19), D(20), S(21), S(22), S(23), D(24),
            S(25), D(26), D(27), D(28), D(29), D(30), D(31), D(32), D(33), D(34),
            r.IsDBNull(35) ? null : r.GetFieldValue<DateTime>(35));
    }
}
