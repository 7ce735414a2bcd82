using Laevitas.Grains.Abstractions.History;
using Laevitas.Grains.Abstractions.Trades;
using Npgsql;

namespace Laevitas.Grains.Trades;

/// <summary>
/// Reads <c>deribit_trades</c> for one instrument and exchange-time range, oldest first, served by the
/// (instrument_name, "timestamp") index. Same request and paging conventions as the ticker history.
/// </summary>
public sealed class TradeHistoryReader(NpgsqlDataSource dataSource)
{
    // One row more than asked tells whether the answer is truncated. Several trades can share a millisecond, so a page
    // never ends inside one: the next page starts at a millisecond, and would otherwise repeat or skip trades.
    private const string Sql = """
        SELECT currency, trade_id, instrument_name, "timestamp", trade_seq, kind, price, amount, contracts, direction, iv,
               index_price, mark_price, tick_direction, liquidation, block_trade_id, block_trade_leg_count, combo_id,
               combo_trade_id, extra::text, fields_present, received_at
        FROM deribit_trades
        WHERE instrument_name = $1 AND "timestamp" >= $2 AND "timestamp" < $3
        ORDER BY "timestamp", trade_seq, trade_id
        LIMIT $4
        """;

    // The rest of a millisecond a page would otherwise have to cut (more trades in one ms than the limit).
    private const string MillisecondSql = """
        SELECT currency, trade_id, instrument_name, "timestamp", trade_seq, kind, price, amount, contracts, direction, iv,
               index_price, mark_price, tick_direction, liquidation, block_trade_id, block_trade_leg_count, combo_id,
               combo_trade_id, extra::text, fields_present, received_at
        FROM deribit_trades
        WHERE instrument_name = $1 AND "timestamp" = $2
        ORDER BY trade_seq, trade_id
        """;

    /// <exception cref="HistoryStorageUnavailableException">The database could not answer.</exception>
    public async Task<TradeHistory> ReadAsync(PriceHistoryQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var trades = new List<TradeRow>(Math.Min(query.Limit + 1, 1024));
        long? nextFromMs = null;
        try
        {
            await ReadIntoAsync(trades, Sql, [query.InstrumentName, query.FromMs, query.ToMs, query.Limit + 1], cancellationToken);
            if (trades.Count > query.Limit)
            {
                // One more than asked: truncated. End the page before the millisecond it would split.
                var next = trades[query.Limit].Timestamp;
                var keep = query.Limit;
                while (keep > 0 && trades[keep - 1].Timestamp == next)
                {
                    keep--;
                }

                trades.RemoveRange(keep, trades.Count - keep);
                if (keep > 0)
                {
                    nextFromMs = next;
                }
                else
                {
                    // The whole page is one millisecond with more trades than the limit: return all of it (the one case
                    // where a page exceeds the limit) and go on after it, so paging neither loops nor skips a trade.
                    await ReadIntoAsync(trades, MillisecondSql, [query.InstrumentName, next], cancellationToken);
                    nextFromMs = next + 1 < query.ToMs ? next + 1 : null;
                }
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException && ex is not OperationCanceledException)
        {
            throw new HistoryStorageUnavailableException($"PostgreSQL could not answer the trade query: {ex.Message}");
        }

        return new TradeHistory
        {
            InstrumentName = query.InstrumentName,
            From = DateTimeOffset.FromUnixTimeMilliseconds(query.FromMs),
            To = DateTimeOffset.FromUnixTimeMilliseconds(query.ToMs),
            Limit = query.Limit,
            Truncated = nextFromMs is not null,
            NextFrom = nextFromMs is { } n ? DateTimeOffset.FromUnixTimeMilliseconds(n) : null,
            Trades = trades,
        };
    }

    private async Task ReadIntoAsync(List<TradeRow> trades, string sql, object[] parameters, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.CommandTimeout = (int)Laevitas.Grains.History.PriceHistoryReader.CommandTimeout.TotalSeconds;
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            trades.Add(ReadRow(reader));
        }
    }

    private static TradeRow ReadRow(NpgsqlDataReader r) => new()
    {
        Currency = r.GetString(0),
        TradeId = r.GetString(1),
        InstrumentName = r.GetString(2),
        Timestamp = r.GetInt64(3),
        TradeSeq = r.IsDBNull(4) ? null : r.GetInt64(4),
        Kind = Text(r, 5),
        Price = Number(r, 6),
        Amount = Number(r, 7),
        Contracts = Number(r, 8),
        Direction = Text(r, 9),
        Iv = Number(r, 10),
        IndexPrice = Number(r, 11),
        MarkPrice = Number(r, 12),
        TickDirection = r.IsDBNull(13) ? null : r.GetInt32(13),
        Liquidation = Text(r, 14),
        BlockTradeId = Text(r, 15),
        BlockTradeLegCount = r.IsDBNull(16) ? null : r.GetInt32(16),
        ComboId = Text(r, 17),
        ComboTradeId = Text(r, 18),
        Extra = Text(r, 19),
        FieldsPresent = r.GetInt64(20),
        ReceivedAt = r.IsDBNull(21) ? null : r.GetFieldValue<DateTimeOffset>(21),
    };

    private static string? Text(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);

    private static double? Number(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetDouble(ordinal);
}
