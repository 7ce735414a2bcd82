using Laevitas.Grains.Writing;
using Npgsql;

namespace Laevitas.Grains.Storage;

/// <summary>
/// Writes batches of <see cref="DeribitPriceRow"/> to <c>deribit_prices</c>, one transaction per batch, idempotently:
/// a row already stored (a Kafka replay) is skipped by the primary key. A batch is first binary-COPied straight into
/// the table; if any of its rows is already there (unique violation, which rolls the whole batch back), it is stored
/// again through a session temp table and one <c>INSERT ... SELECT ... ON CONFLICT DO NOTHING</c>, and so are the
/// next batches for a while (a replay conflicts batch after batch). Holds one connection for its owner's lifetime so
/// the temp table is created once per connection, not per batch (pooled connections are reset, which drops temp
/// tables).
/// </summary>
/// <remarks>Why not always the staging path: it makes PostgreSQL write every row twice (temp table, then table) and
/// costs more server CPU per row (bench/results.md, "Writer store: direct COPY"), and on a small machine the server
/// shares its cores with the silo. Conflicts are rare outside a replay.
/// Not thread-safe: one store per writer grain activation, used by one call at a time.</remarks>
public sealed class DeribitPricesStore(NpgsqlDataSource dataSource, DailyPartitions partitions) : IAsyncDisposable
{
    private const string Columns =
        "instrument_name, underlying_price, \"timestamp\", settlement_price, open_interest, min_price, max_price, mark_price, " +
        "mark_iv, last_price, interest_rate, index_price, bid_iv, best_bid_price, best_bid_amount, best_ask_price, " +
        "best_ask_amount, ask_iv, currency, maturity, strike, type, kind, underlying_index, estimated_delivery_price, state, " +
        "delta, gamma, vega, theta, rho, stats_volume, stats_price_change, stats_low, stats_high, received_at, " +
        "delivery_price, funding_8h, current_funding, interest_value, stats_volume_usd, stats_volume_notional, combo_state, " +
        "implied_bid, implied_ask, quote_currency, settlement_currency, extra, fields_present";

    private const short ColumnCount = 49;

    // ON COMMIT DELETE ROWS empties it at every commit (a cheap truncate of a temp table); createdAt is not copied and
    // is set by the INSERT below, i.e. transaction time.
    private const string CreateStaging =
        "CREATE TEMP TABLE IF NOT EXISTS deribit_prices_staging (LIKE deribit_prices INCLUDING DEFAULTS) ON COMMIT DELETE ROWS";

    private const string Insert =
        $"INSERT INTO deribit_prices ({Columns}, \"createdAt\") SELECT {Columns}, now() FROM deribit_prices_staging " +
        "ON CONFLICT (instrument_name, \"timestamp\") DO NOTHING";

    // After a conflict, this many batches go straight to the staging path: a replay after a crash or a queue moving
    // between silos re-reads up to a commit interval of ticks, batch after batch, and each would fail a direct COPY.
    private const int StagedBatchesAfterConflict = 50;

    private readonly StagingConnection staging = new(dataSource, CreateStaging);
    private readonly BatchDays days = new();
    private int stagedBatchesLeft;

    /// <summary>Batches stored by a direct COPY; the rest went through the staging table.</summary>
    public long DirectBatches { get; private set; }

    /// <summary>Batches whose direct COPY hit a row already stored and were stored through the staging table.</summary>
    public long ConflictedBatches { get; private set; }

    /// <summary>
    /// Stores <paramref name="rows"/> atomically; returns how many were new (the rest were already stored). Returns
    /// only after COMMIT succeeded. On any error nothing of the batch is stored and the caller may retry.
    /// </summary>
    public async Task<int> InsertAsync(ReadOnlyMemory<DeribitPriceRow> rows, CancellationToken cancellationToken = default)
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

        return await partitions.WriteAsync(conn, DailyPartitions.Prices, days, () => StoreAsync(conn, rows, cancellationToken), cancellationToken)
            .ConfigureAwait(false);
    }

    private async Task<int> StoreAsync(NpgsqlConnection conn, ReadOnlyMemory<DeribitPriceRow> rows, CancellationToken cancellationToken)
    {
        if (stagedBatchesLeft > 0)
        {
            stagedBatchesLeft--;
        }
        else if (await TryCopyDirectAsync(conn, rows, cancellationToken).ConfigureAwait(false))
        {
            DirectBatches++;
            return rows.Length;
        }
        else
        {
            ConflictedBatches++;
            stagedBatchesLeft = StagedBatchesAfterConflict;
        }

        return await CopyStagedAsync(conn, rows, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Like <see cref="InsertAsync"/>, but if PostgreSQL rejects the data itself (a value it cannot store; the parser
    /// should make that impossible), halves the batch until the offending rows are isolated, reports each through
    /// <paramref name="rejected"/> (index into <paramref name="rows"/>) and stores the rest. Other errors propagate.
    /// </summary>
    public async Task<int> InsertIsolatingRejectedRowsAsync(
        ReadOnlyMemory<DeribitPriceRow> rows, Action<int, PostgresException> rejected, CancellationToken cancellationToken = default)
    {
        return await InsertRangeAsync(0, rows.Length).ConfigureAwait(false);

        async Task<int> InsertRangeAsync(int start, int length)
        {
            try
            {
                return await InsertAsync(rows.Slice(start, length), cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (IsDataError(ex))
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

    /// <summary>
    /// A verdict on the rows themselves: class 22 (data exception) and integrity violations, except 23514 without a
    /// constraint name, which is "no partition for the row" and is fixed by creating the partition (a retry does).
    /// </summary>
    public static bool IsDataError(PostgresException ex) =>
        ex.SqlState.StartsWith("22", StringComparison.Ordinal)
        || (ex.SqlState.StartsWith("23", StringComparison.Ordinal) && !(ex.SqlState == PostgresErrorCodes.CheckViolation && ex.ConstraintName is null));

    /// <summary>Drops the connection (after an error it may be broken); the next insert opens a new one.</summary>
    public ValueTask ResetAsync() => staging.ResetAsync();

    public ValueTask DisposeAsync() => staging.ResetAsync();

    /// <summary>
    /// COPY straight into <c>deribit_prices</c> and commit; false (and nothing stored) if a row was already there.
    /// </summary>
    private static async Task<bool> TryCopyDirectAsync(NpgsqlConnection conn, ReadOnlyMemory<DeribitPriceRow> rows, CancellationToken cancellationToken)
    {
        await using var transaction = await conn.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await CopyAsync(conn, "deribit_prices", rows, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // The server aborted the COPY and the transaction; disposing it rolls back. The connection is usable.
            return false;
        }

        // createdAt is not copied: its default, now(), is the transaction's time, as on the staging path.
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static async Task<int> CopyStagedAsync(NpgsqlConnection conn, ReadOnlyMemory<DeribitPriceRow> rows, CancellationToken cancellationToken)
    {
        await using var transaction = await conn.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await CopyAsync(conn, "deribit_prices_staging", rows, cancellationToken).ConfigureAwait(false);
        int inserted;
        await using (var insert = new NpgsqlCommand(Insert, conn, transaction))
        {
            inserted = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return inserted;
    }

    // Encoding and sending are synchronous (socket writes of 64 KiB that block only when the socket buffer is
    // full), on a thread of their own (BlockingSend: not the pool's, which a frozen server would take). The wait for
    // the server's verdict, which comes once it has inserted the last row, is awaited. The grain awaits the whole, so
    // the connection is still used by one caller at a time.
    private static async Task CopyAsync(NpgsqlConnection conn, string table, ReadOnlyMemory<DeribitPriceRow> rows, CancellationToken cancellationToken)
    {
        var copy = await BlockingSend.RunAsync(() => Send(conn, table, rows.Span), cancellationToken).ConfigureAwait(false);
        await copy.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Binary COPY of <paramref name="rows"/> into <paramref name="table"/> (a table with the columns of
    /// <c>deribit_prices</c>), in the caller's transaction if any. The store copies into the table or its staging
    /// table; the benchmark copies straight into <c>deribit_prices</c> with this same code to measure the raw COPY
    /// rate. Errors PostgreSQL finds in the data (a duplicate key, a value it cannot store) are thrown once the
    /// whole batch is sent; nothing of the batch is stored then.
    /// </summary>
    public static void Copy(NpgsqlConnection conn, string table, ReadOnlySpan<DeribitPriceRow> rows) =>
        // Disposing sends CopyDone and reads the outcome: a server-side error in the data surfaces here.
        Send(conn, table, rows).Dispose();

    /// <summary>Starts the COPY and sends every row and the trailer; the caller ends it by disposing the stream.</summary>
    private static NpgsqlRawCopyStream Send(NpgsqlConnection conn, string table, ReadOnlySpan<DeribitPriceRow> rows)
    {
        ArgumentNullException.ThrowIfNull(conn);
        var copy = conn.BeginRawBinaryCopy($"COPY {table} ({Columns}) FROM STDIN (FORMAT BINARY)");
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
            // Failed on this side before the end (not a broken connection, which Npgsql has already closed): tell
            // the server to drop what it got, so the connection stays usable, and report the original error.
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

    // The fields in the order of Columns, with its types: 49 of them.
    private static void WriteRow(BinaryCopyWriter writer, in DeribitPriceRow row)
    {
        writer.StartRow(ColumnCount);
        writer.Write(row.InstrumentName);
        writer.Write(row.UnderlyingPrice);
        writer.Write(row.Timestamp);
        writer.Write(row.SettlementPrice);
        writer.Write(row.OpenInterest);
        writer.Write(row.MinPrice);
        writer.Write(row.MaxPrice);
        writer.Write(row.MarkPrice);
        writer.Write(row.MarkIv);
        writer.Write(row.LastPrice);
        writer.Write(row.InterestRate);
        writer.Write(row.IndexPrice);
        writer.Write(row.BidIv);
        writer.Write(row.BestBidPrice);
        writer.Write(row.BestBidAmount);
        writer.Write(row.BestAskPrice);
        writer.Write(row.BestAskAmount);
        writer.Write(row.AskIv);
        writer.Write(row.Currency);
        writer.Write(row.Maturity);
        writer.Write(row.Strike);
        writer.Write(row.Type);
        writer.Write(row.Kind);
        writer.Write(row.UnderlyingIndex);
        writer.Write(row.EstimatedDeliveryPrice);
        writer.Write(row.State);
        writer.Write(row.Delta);
        writer.Write(row.Gamma);
        writer.Write(row.Vega);
        writer.Write(row.Theta);
        writer.Write(row.Rho);
        writer.Write(row.StatsVolume);
        writer.Write(row.StatsPriceChange);
        writer.Write(row.StatsLow);
        writer.Write(row.StatsHigh);
        writer.Write(row.ReceivedAt);
        writer.Write(row.DeliveryPrice);
        writer.Write(row.Funding8h);
        writer.Write(row.CurrentFunding);
        writer.Write(row.InterestValue);
        writer.Write(row.StatsVolumeUsd);
        writer.Write(row.StatsVolumeNotional);
        writer.Write(row.ComboState);
        writer.Write(row.ImpliedBid);
        writer.Write(row.ImpliedAsk);
        writer.Write(row.QuoteCurrency);
        writer.Write(row.SettlementCurrency);
        writer.WriteJsonb(row.Extra);
        writer.Write(row.FieldsPresent);
    }
}
