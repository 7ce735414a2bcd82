using Laevitas.Grains.Abstractions.History;
using Npgsql;

namespace Laevitas.Grains.History;

/// <summary>
/// Reads <c>deribit_prices</c> for one instrument and exchange-time range. One parameterised statement served by the
/// primary key (instrument_name, "timestamp"); partitions outside the range are pruned. Used by the HTTP API and by
/// <see cref="PriceHistoryGrain"/>.
/// </summary>
public sealed class PriceHistoryReader(NpgsqlDataSource dataSource)
{
    /// <summary>A history request never holds a connection longer than this.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The select list <see cref="ReadRow"/> reads, in its order.</summary>
    public const string Columns = """
        instrument_name, "timestamp", received_at, "createdAt", kind, currency, maturity, strike, type, state,
        underlying_index, underlying_price, index_price, estimated_delivery_price, settlement_price,
        mark_price, mark_iv, last_price, min_price, max_price, open_interest, interest_rate,
        best_bid_price, best_bid_amount, bid_iv, best_ask_price, best_ask_amount, ask_iv,
        delta, gamma, vega, theta, rho, stats_volume, stats_price_change, stats_low, stats_high,
        delivery_price, funding_8h, current_funding, interest_value, stats_volume_usd, stats_volume_notional,
        combo_state, implied_bid, implied_ask, quote_currency, settlement_currency, extra::text, fields_present
        """;

    // One row more than asked tells whether the answer is truncated, and where the next page starts.
    private const string Sql = $"""
        SELECT {Columns}
        FROM deribit_prices
        WHERE instrument_name = $1 AND "timestamp" >= $2 AND "timestamp" < $3
        ORDER BY "timestamp"
        LIMIT $4
        """;

    /// <exception cref="HistoryStorageUnavailableException">The database could not answer.</exception>
    public async Task<PriceHistory> ReadAsync(PriceHistoryQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var rows = new List<PriceRow>(Math.Min(query.Limit, 1024));
        long? nextFromMs = null;
        try
        {
            await using var command = dataSource.CreateCommand(Sql);
            command.CommandTimeout = (int)CommandTimeout.TotalSeconds;
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = query.InstrumentName });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = query.FromMs });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = query.ToMs });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = query.Limit + 1 });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (rows.Count == query.Limit)
                {
                    nextFromMs = reader.GetInt64(1);
                    break;
                }

                rows.Add(ReadRow(reader));
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException && ex is not OperationCanceledException)
        {
            throw new HistoryStorageUnavailableException($"PostgreSQL could not answer the history query: {ex.Message}");
        }

        return new PriceHistory
        {
            InstrumentName = query.InstrumentName,
            From = DateTimeOffset.FromUnixTimeMilliseconds(query.FromMs),
            To = DateTimeOffset.FromUnixTimeMilliseconds(query.ToMs),
            Limit = query.Limit,
            Truncated = nextFromMs is not null,
            NextFrom = nextFromMs is { } next ? DateTimeOffset.FromUnixTimeMilliseconds(next) : null,
            Rows = rows,
        };
    }

    /// <summary>One row of a query selecting <see cref="Columns"/>.</summary>
    public static PriceRow ReadRow(NpgsqlDataReader r) => new()
    {
        InstrumentName = r.GetString(0),
        Timestamp = r.GetInt64(1),
        ReceivedAt = r.IsDBNull(2) ? null : r.GetFieldValue<DateTimeOffset>(2),
        CreatedAt = r.GetFieldValue<DateTimeOffset>(3),
        Kind = Text(r, 4),
        Currency = Text(r, 5),
        Maturity = r.IsDBNull(6) ? null : r.GetFieldValue<DateOnly>(6),
        Strike = Number(r, 7),
        Type = Text(r, 8),
        State = Text(r, 9),
        UnderlyingIndex = Text(r, 10),
        UnderlyingPrice = Number(r, 11),
        IndexPrice = Number(r, 12),
        EstimatedDeliveryPrice = Number(r, 13),
        SettlementPrice = Number(r, 14),
        MarkPrice = Number(r, 15),
        MarkIv = Number(r, 16),
        LastPrice = Number(r, 17),
        MinPrice = Number(r, 18),
        MaxPrice = Number(r, 19),
        OpenInterest = Number(r, 20),
        InterestRate = Number(r, 21),
        BestBidPrice = Number(r, 22),
        BestBidAmount = Number(r, 23),
        BidIv = Number(r, 24),
        BestAskPrice = Number(r, 25),
        BestAskAmount = Number(r, 26),
        AskIv = Number(r, 27),
        Delta = Number(r, 28),
        Gamma = Number(r, 29),
        Vega = Number(r, 30),
        Theta = Number(r, 31),
        Rho = Number(r, 32),
        StatsVolume = Number(r, 33),
        StatsPriceChange = Number(r, 34),
        StatsLow = Number(r, 35),
        StatsHigh = Number(r, 36),
        DeliveryPrice = Number(r, 37),
        Funding8h = Number(r, 38),
        CurrentFunding = Number(r, 39),
        InterestValue = Number(r, 40),
        StatsVolumeUsd = Number(r, 41),
        StatsVolumeNotional = Number(r, 42),
        ComboState = Text(r, 43),
        ImpliedBid = Number(r, 44),
        ImpliedAsk = Number(r, 45),
        QuoteCurrency = Text(r, 46),
        SettlementCurrency = Text(r, 47),
        Extra = Text(r, 48),
        FieldsPresent = r.IsDBNull(49) ? null : r.GetInt64(49),
    };

    private static string? Text(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);

    private static double? Number(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetDouble(ordinal);
}
