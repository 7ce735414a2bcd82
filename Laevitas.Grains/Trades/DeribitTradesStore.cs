using Laevitas.Grains.Storage;
using Npgsql;

namespace Laevitas.Grains.Trades;

/// <summary>
/// Writes batches of <see cref="DeribitTradeRow"/> to <c>deribit_trades</c>, one transaction per batch, idempotently:
/// binary COPY into a session temp table, then one <c>INSERT ... SELECT ... ON CONFLICT DO NOTHING</c> on the key
/// (currency, trade_id, "timestamp"). The table is partitioned by day like <c>deribit_prices</c>: the partitions of a
/// batch's days are made sure of first (<see cref="DailyPartitions"/>).
/// </summary>
/// <remarks>
/// Why always through the temp table, unlike the ticker store's direct COPY first: the same trade legitimately
/// arrives more than once (a combo's leg is printed on the option channel and inside the combo trade; a replay), so
/// conflicts are not rare, and trades are a small fraction of the ticker rows, so the second write costs little.
/// Not thread-safe: one store per writer, used by one call at a time.
/// </remarks>
public sealed class DeribitTradesStore(NpgsqlDataSource dataSource, DailyPartitions partitions) : IAsyncDisposable
{
    private const string Columns =
        "currency, trade_id, instrument_name, \"timestamp\", trade_seq, kind, price, amount, contracts, direction, iv, " +
        "index_price, mark_price, tick_direction, liquidation, block_trade_id, block_trade_leg_count, combo_id, " +
        "combo_trade_id, extra, fields_present, received_at";

    private const short ColumnCount = 22;

    private const string CreateStaging =
        "CREATE TEMP TABLE IF NOT EXISTS deribit_trades_staging (LIKE deribit_trades INCLUDING DEFAULTS) ON COMMIT DELETE ROWS";

    private const string Insert =
        $"INSERT INTO deribit_trades ({Columns}, \"createdAt\") SELECT {Columns}, now() FROM deribit_trades_staging " +
        "ON CONFLICT (currency, trade_id, \"timestamp\") DO NOTHING";

    private readonly StagingConnection staging = new(dataSource, CreateStaging);
    private readonly BatchDays days = new();

    /// <summary>Stores <paramref name="rows"/> atomically; returns how many were new. Returns only after COMMIT.</summary>
    public async Task<int> InsertAsync(ReadOnlyMemory<DeribitTradeRow> rows, CancellationToken cancellationToken = default)
    {
        if (rows.IsEmpty)
        {
            return 0;
        }

        var conn = await staging.OpenAsync(cancellationToken).ConfigureAwait(false);
        days.Clear();
        foreach (ref readonly var row in rows.Span)
        {
            days.Add(row.Timestamp);
        }

        return await partitions.WriteAsync(conn, DailyPartitions.Trades, days, () => StoreAsync(conn, rows, cancellationToken), cancellationToken)
            .ConfigureAwait(false);
    }

    private static async Task<int> StoreAsync(NpgsqlConnection conn, ReadOnlyMemory<DeribitTradeRow> rows, CancellationToken cancellationToken)
    {
        await using var transaction = await conn.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Encoding is synchronous socket writes; on a thread of their own like the ticker store's.
        var copy = await BlockingSend.RunAsync(() => Send(conn, rows.Span), cancellationToken).ConfigureAwait(false);
        await copy.DisposeAsync().ConfigureAwait(false);
        int inserted;
        await using (var insert = new NpgsqlCommand(Insert, conn, transaction))
        {
            inserted = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return inserted;
    }

    /// <summary>
    /// Like <see cref="InsertAsync"/>, but a batch PostgreSQL refuses for its data (<see cref="DeribitPricesStore.IsDataError"/>)
    /// is halved until the refused rows are found; each is reported to <paramref name="rejected"/> (index in
    /// <paramref name="rows"/>) and left out, and the rest is stored. Anything else (an outage) propagates.
    /// </summary>
    public async Task<int> InsertIsolatingRejectedRowsAsync(
        ReadOnlyMemory<DeribitTradeRow> rows, Action<int, PostgresException> rejected, CancellationToken cancellationToken = default)
    {
        return await InsertRangeAsync(0, rows.Length).ConfigureAwait(false);

        async Task<int> InsertRangeAsync(int start, int length)
        {
            try
            {
                return await InsertAsync(rows.Slice(start, length), cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (DeribitPricesStore.IsDataError(ex))
            {
                if (length == 1)
                {
                    rejected(start, ex);
                    return 0;
                }

                var half = length / 2;
                return await InsertRangeAsync(start, half).ConfigureAwait(false)
                       + await InsertRangeAsync(start + half, length - half).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Drops the connection (after an error it may be broken); the next insert opens a new one.</summary>
    public ValueTask ResetAsync() => staging.ResetAsync();

    public ValueTask DisposeAsync() => staging.ResetAsync();

    private static NpgsqlRawCopyStream Send(NpgsqlConnection conn, ReadOnlySpan<DeribitTradeRow> rows)
    {
        var copy = conn.BeginRawBinaryCopy($"COPY deribit_trades_staging ({Columns}) FROM STDIN (FORMAT BINARY)");
        try
        {
            using var writer = new BinaryCopyWriter(copy);
            foreach (ref readonly var row in rows)
            {
                WriteRow(writer, in row);
            }

            writer.Complete();
            return copy;
        }
        catch (Exception ex) when (ex is not NpgsqlException and not IOException)
        {
            try
            {
                copy.Cancel();
            }
            catch (Exception cancel) when (cancel is NpgsqlException or IOException or ObjectDisposedException)
            {
            }

            throw;
        }
    }

    // The fields in the order of Columns, with its types.
    private static void WriteRow(BinaryCopyWriter writer, in DeribitTradeRow row)
    {
        writer.StartRow(ColumnCount);
        writer.Write(row.Currency);
        writer.Write(row.TradeId);
        writer.Write(row.InstrumentName);
        writer.Write(row.Timestamp);
        writer.Write(row.TradeSeq);
        writer.Write(row.Kind);
        writer.Write(row.Price);
        writer.Write(row.Amount);
        writer.Write(row.Contracts);
        writer.Write(row.Direction);
        writer.Write(row.Iv);
        writer.Write(row.IndexPrice);
        writer.Write(row.MarkPrice);
        writer.Write(row.TickDirection);
        writer.Write(row.Liquidation);
        writer.Write(row.BlockTradeId);
        writer.Write(row.BlockTradeLegCount);
        writer.Write(row.ComboId);
        writer.Write(row.ComboTradeId);
        writer.WriteJsonb(row.Extra);
        writer.Write(row.FieldsPresent);
        writer.Write(row.ReceivedAt);
    }
}
