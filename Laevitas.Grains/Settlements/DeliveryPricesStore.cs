using Laevitas.Grains.Abstractions.History;
using Laevitas.Grains.Abstractions.Settlements;
using Npgsql;
using NpgsqlTypes;

namespace Laevitas.Grains.Settlements;

/// <summary>
/// <c>deribit_delivery_prices</c>: the backfill's upserts and latest dates, and the settlement-history query.
/// </summary>
public sealed class DeliveryPricesStore(NpgsqlDataSource dataSource)
{
    // Upsert: a date fetched again is stored once, a corrected price replaces the stored one, and an unchanged one is
    // not rewritten (the WHERE), so RETURNING lists exactly the rows inserted (xmax = 0) or changed.
    private const string UpsertSql = """
        INSERT INTO deribit_delivery_prices (index_name, delivery_date, delivery_price)
        SELECT $1, d, p FROM unnest($2::date[], $3::double precision[]) AS t(d, p)
        ON CONFLICT (index_name, delivery_date) DO UPDATE
            SET delivery_price = EXCLUDED.delivery_price, updated_at = now()
            WHERE deribit_delivery_prices.delivery_price IS DISTINCT FROM EXCLUDED.delivery_price
        RETURNING (xmax = 0)
        """;

    private const string LatestSql = "SELECT max(delivery_date) FROM deribit_delivery_prices WHERE index_name = $1";

    // One row more than asked tells whether the answer is truncated.
    private const string RangeSql = """
        SELECT delivery_date, delivery_price FROM deribit_delivery_prices
        WHERE index_name = $1 AND delivery_date >= $2 AND delivery_date <= $3
        ORDER BY delivery_date
        LIMIT $4
        """;

    private const string KnownSql = "SELECT EXISTS (SELECT 1 FROM deribit_delivery_prices WHERE index_name = $1)";

    private const string IndexesSql = "SELECT DISTINCT index_name FROM deribit_delivery_prices ORDER BY index_name";

    /// <summary>Stores <paramref name="prices"/> of one index; returns how many rows were new and how many changed price.</summary>
    public async Task<(int Inserted, int Updated)> UpsertAsync(string indexName, IReadOnlyList<SettlementRow> prices, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prices);
        // One row per date: ON CONFLICT DO UPDATE refuses to touch a row twice in one statement, and pages fetched while
        // a settlement lands can list a date twice. The first occurrence is the one fetched last (pages are newest first).
        var byDate = new Dictionary<DateOnly, double>();
        foreach (var price in prices)
        {
            byDate.TryAdd(price.Date, price.DeliveryPrice);
        }

        if (byDate.Count == 0)
        {
            return (0, 0);
        }

        await using var command = dataSource.CreateCommand(UpsertSql);
        command.Parameters.Add(new NpgsqlParameter { Value = indexName });
        command.Parameters.Add(new NpgsqlParameter { Value = byDate.Keys.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter { Value = byDate.Values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double });
        int inserted = 0, updated = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reader.GetBoolean(0))
            {
                inserted++;
            }
            else
            {
                updated++;
            }
        }

        return (inserted, updated);
    }

    /// <summary>The newest delivery date stored for the index, null when none is.</summary>
    public async Task<DateOnly?> LatestDateAsync(string indexName, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(LatestSql);
        command.Parameters.Add(new NpgsqlParameter { Value = indexName });
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is DateOnly date ? date : value is DateTime time ? DateOnly.FromDateTime(time) : null;
    }

    /// <exception cref="HistoryStorageUnavailableException">The database could not answer.</exception>
    public async Task<SettlementHistory> ReadAsync(SettlementQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var rows = new List<SettlementRow>(Math.Min(query.Limit + 1, 1024));
        bool known;
        IReadOnlyList<string> indexes = [];
        try
        {
            await using (var command = dataSource.CreateCommand(RangeSql))
            {
                command.CommandTimeout = (int)History.PriceHistoryReader.CommandTimeout.TotalSeconds;
                command.Parameters.Add(new NpgsqlParameter { Value = query.IndexName });
                command.Parameters.Add(new NpgsqlParameter { Value = query.From });
                command.Parameters.Add(new NpgsqlParameter { Value = query.To });
                command.Parameters.Add(new NpgsqlParameter { Value = query.Limit + 1 });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(new SettlementRow { IndexName = query.IndexName, Date = reader.GetFieldValue<DateOnly>(0), DeliveryPrice = reader.GetDouble(1) });
                }
            }

            known = rows.Count > 0 || await ScalarAsync<bool>(KnownSql, query.IndexName, cancellationToken).ConfigureAwait(false);
            if (!known)
            {
                indexes = await StoredIndexesAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException && ex is not OperationCanceledException)
        {
            throw new HistoryStorageUnavailableException($"PostgreSQL could not answer the settlement query: {ex.Message}");
        }

        DateOnly? nextFrom = null;
        if (rows.Count > query.Limit)
        {
            nextFrom = rows[query.Limit].Date;
            rows.RemoveAt(query.Limit);
        }

        return new SettlementHistory
        {
            IndexName = query.IndexName,
            From = query.From,
            To = query.To,
            Limit = query.Limit,
            Truncated = nextFrom is not null,
            NextFrom = nextFrom,
            Settlements = rows,
            IndexKnown = known,
            StoredIndexes = indexes,
        };
    }

    /// <summary>The indexes that have at least one stored delivery price, in name order.</summary>
    public async Task<IReadOnlyList<string>> StoredIndexesAsync(CancellationToken cancellationToken = default)
    {
        var names = new List<string>();
        await using var command = dataSource.CreateCommand(IndexesSql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private async Task<T> ScalarAsync<T>(string sql, string parameter, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        return (T)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
