using Laevitas.Grains.Writing;
using Npgsql;
using NpgsqlTypes;

namespace Laevitas.Grains.Storage;

/// <summary>
/// Writes batches of <see cref="DeribitPriceRow"/> to <c>deribit_prices</c>: binary COPY into a session temp table,
/// then one <c>INSERT ... SELECT ... ON CONFLICT DO NOTHING</c>, in one transaction. Idempotent: a row already stored
/// (a Kafka replay) is skipped by the primary key. Holds one connection for its owner's lifetime so the temp table is
/// created once per connection, not per batch (pooled connections are reset, which drops temp tables).
/// </summary>
/// <remarks>Not thread-safe: one store per writer grain activation, used by one call at a time.</remarks>
public sealed class DeribitPricesStore(NpgsqlDataSource dataSource, DeribitPricePartitions partitions) : IAsyncDisposable
{
    private const string Columns =
        "instrument_name, underlying_price, \"timestamp\", settlement_price, open_interest, min_price, max_price, mark_price, " +
        "mark_iv, last_price, interest_rate, index_price, bid_iv, best_bid_price, best_bid_amount, best_ask_price, " +
        "best_ask_amount, ask_iv, currency, maturity, strike, type, kind, underlying_index, estimated_delivery_price, state, " +
        "delta, gamma, vega, theta, rho, stats_volume, stats_price_change, stats_low, stats_high, received_at";

    // ON COMMIT DELETE ROWS empties it at every commit (a cheap truncate of a temp table); createdAt is not copied and
    // is set by the INSERT below, i.e. transaction time.
    private const string CreateStaging =
        "CREATE TEMP TABLE IF NOT EXISTS deribit_prices_staging (LIKE deribit_prices INCLUDING DEFAULTS) ON COMMIT DELETE ROWS";

    private const string Copy = $"COPY deribit_prices_staging ({Columns}) FROM STDIN (FORMAT BINARY)";

    private const string Insert =
        $"INSERT INTO deribit_prices ({Columns}, \"createdAt\") SELECT {Columns}, now() FROM deribit_prices_staging " +
        "ON CONFLICT (instrument_name, \"timestamp\") DO NOTHING";

    private NpgsqlConnection? connection;
    private readonly List<long> days = [];

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

        var conn = await OpenAsync(cancellationToken).ConfigureAwait(false);
        CollectDays(rows.Span);
        try
        {
            await partitions.EnsureAsync(conn, days, cancellationToken).ConfigureAwait(false);

            await using var transaction = await conn.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await CopyAsync(conn, rows, cancellationToken).ConfigureAwait(false);
            int inserted;
            await using (var insert = new NpgsqlCommand(Insert, conn, transaction))
            {
                inserted = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return inserted;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.CheckViolation)
        {
            // "no partition of relation found for row" (also 23514): a partition this silo created was dropped since;
            // forget what is known so the retry creates it again.
            partitions.Forget();
            throw;
        }
    }

    /// <summary>
    /// Drops the connection (after an error it may be broken, e.g. the server restarted); the next insert opens a new
    /// one and creates the temp table again.
    /// </summary>
    public async ValueTask ResetAsync()
    {
        var local = connection;
        connection = null;
        if (local is not null)
        {
            try
            {
                await local.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or ObjectDisposedException)
            {
                // A broken connection may fail to close cleanly; it is discarded either way.
            }
        }
    }

    public ValueTask DisposeAsync() => ResetAsync();

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (connection is { State: System.Data.ConnectionState.Open } open)
        {
            return open;
        }

        await ResetAsync().ConfigureAwait(false);
        var conn = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var create = new NpgsqlCommand(CreateStaging, conn);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await conn.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        connection = conn;
        return conn;
    }

    private void CollectDays(ReadOnlySpan<DeribitPriceRow> rows)
    {
        // Ticks of a batch span a day at most (two around midnight, more only in a replay of old data).
        days.Clear();
        var last = long.MinValue;
        foreach (ref readonly var row in rows)
        {
            var day = DeribitPricePartitions.DayOf(row.Timestamp);
            if (day != last && !days.Contains(day))
            {
                days.Add(day);
            }

            last = day;
        }
    }

    private static async Task CopyAsync(NpgsqlConnection conn, ReadOnlyMemory<DeribitPriceRow> rows, CancellationToken cancellationToken)
    {
        await using var importer = await conn.BeginBinaryImportAsync(Copy, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < rows.Length; i++)
        {
            // Re-read by index each time: a ref into the memory cannot live across the awaits below.
            var row = rows.Span[i];
            await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync(row.InstrumentName, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.UnderlyingPrice, cancellationToken).ConfigureAwait(false);
            await importer.WriteAsync(row.Timestamp, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.SettlementPrice, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.OpenInterest, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.MinPrice, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.MaxPrice, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.MarkPrice, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.MarkIv, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.LastPrice, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.InterestRate, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.IndexPrice, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.BidIv, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.BestBidPrice, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.BestBidAmount, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.BestAskPrice, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.BestAskAmount, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.AskIv, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.Currency, cancellationToken).ConfigureAwait(false);
            if (row.Maturity is { } maturity)
            {
                await importer.WriteAsync(maturity, NpgsqlDbType.Date, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
            }

            await WriteAsync(importer, row.Strike, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.Type, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.Kind, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.UnderlyingIndex, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.EstimatedDeliveryPrice, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.State, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.Delta, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.Gamma, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.Vega, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.Theta, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.Rho, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.StatsVolume, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.StatsPriceChange, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.StatsLow, cancellationToken).ConfigureAwait(false);
            await WriteAsync(importer, row.StatsHigh, cancellationToken).ConfigureAwait(false);
            if (row.ReceivedAt is { } receivedAt)
            {
                await importer.WriteAsync(receivedAt, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private static Task WriteAsync(NpgsqlBinaryImporter importer, double? value, CancellationToken cancellationToken) =>
        value is { } v ? importer.WriteAsync(v, NpgsqlDbType.Double, cancellationToken) : importer.WriteNullAsync(cancellationToken);

    private static Task WriteAsync(NpgsqlBinaryImporter importer, string? value, CancellationToken cancellationToken) =>
        value is not null ? importer.WriteAsync(value, NpgsqlDbType.Text, cancellationToken) : importer.WriteNullAsync(cancellationToken);
}
