using Laevitas.Grains.Abstractions.History;
using Laevitas.Grains.Abstractions.Indexes;
using Npgsql;
using NpgsqlTypes;

namespace Laevitas.Grains.Indexes;

/// <summary><c>deribit_index_values</c>: the index grains' batched inserts, their latest values on activation, and the history query.</summary>
public sealed class IndexValuesStore(NpgsqlDataSource dataSource)
{
    // One statement per batch; a row already stored (a retried batch whose COMMIT answer was lost) is skipped.
    private const string InsertSql = """
        INSERT INTO deribit_index_values (index_name, kind, "timestamp", value, seconds, is_estimated, received_at)
        SELECT $1, k, t, v, s, e, r FROM unnest($2::text[], $3::bigint[], $4::double precision[], $5::bigint[], $6::boolean[], $7::bigint[])
            AS x(k, t, v, s, e, r)
        ON CONFLICT (index_name, kind, "timestamp") DO NOTHING
        """;

    private const string LatestSql = """
        SELECT DISTINCT ON (kind) kind, "timestamp", value, seconds, is_estimated, received_at
        FROM deribit_index_values WHERE index_name = $1
        ORDER BY kind, "timestamp" DESC
        """;

    // One row more than asked tells whether the answer is truncated; kind breaks ties so pages never split unstably.
    private const string RangeSql = """
        SELECT kind, "timestamp", value, seconds, is_estimated FROM deribit_index_values
        WHERE index_name = $1 AND "timestamp" >= $2 AND "timestamp" < $3 AND ($4::text IS NULL OR kind = $4)
        ORDER BY "timestamp", kind
        LIMIT $5
        """;

    /// <summary>Stores the values of one index; returns how many rows were new.</summary>
    public async Task<int> InsertAsync(string indexName, IReadOnlyList<IndexValue> values, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return 0;
        }

        await using var command = dataSource.CreateCommand(InsertSql);
        command.Parameters.Add(new NpgsqlParameter { Value = indexName });
        command.Parameters.Add(new NpgsqlParameter { Value = values.Select(v => v.Kind.Name()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = values.Select(v => v.Timestamp).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = values.Select(v => v.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double });
        command.Parameters.Add(new NpgsqlParameter { Value = values.Select(v => v.Seconds).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = values.Select(v => v.IsEstimated).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Boolean });
        command.Parameters.Add(new NpgsqlParameter { Value = values.Select(v => v.ReceivedAtMs).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The newest stored value of each kind of the index.</summary>
    public async Task<IReadOnlyList<IndexValue>> LatestAsync(string indexName, CancellationToken cancellationToken = default)
    {
        var latest = new List<IndexValue>(3);
        await using var command = dataSource.CreateCommand(LatestSql);
        command.Parameters.Add(new NpgsqlParameter { Value = indexName });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (IndexValueKinds.Parse(reader.GetString(0)) is not { } kind)
            {
                continue;
            }

            latest.Add(new IndexValue
            {
                IndexName = indexName,
                Kind = kind,
                Timestamp = reader.GetInt64(1),
                Value = reader.GetDouble(2),
                Seconds = reader.IsDBNull(3) ? null : reader.GetInt64(3),
                IsEstimated = reader.IsDBNull(4) ? null : reader.GetBoolean(4),
                ReceivedAtMs = reader.GetInt64(5),
            });
        }

        return latest;
    }

    /// <exception cref="HistoryStorageUnavailableException">The database could not answer.</exception>
    public async Task<IndexHistory> ReadAsync(IndexHistoryQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var rows = new List<IndexRow>(Math.Min(query.Limit + 1, 1024));
        try
        {
            await using var command = dataSource.CreateCommand(RangeSql);
            command.CommandTimeout = (int)History.PriceHistoryReader.CommandTimeout.TotalSeconds;
            command.Parameters.Add(new NpgsqlParameter { Value = query.IndexName });
            command.Parameters.Add(new NpgsqlParameter { Value = query.FromMs });
            command.Parameters.Add(new NpgsqlParameter { Value = query.ToMs });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.Kind?.Name() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = query.Limit + 1 });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(new IndexRow
                {
                    Kind = reader.GetString(0),
                    Timestamp = reader.GetInt64(1),
                    Value = reader.GetDouble(2),
                    Seconds = reader.IsDBNull(3) ? null : reader.GetInt64(3),
                    IsEstimated = reader.IsDBNull(4) ? null : reader.GetBoolean(4),
                });
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException && ex is not OperationCanceledException)
        {
            throw new HistoryStorageUnavailableException($"PostgreSQL could not answer the index query: {ex.Message}");
        }

        DateTimeOffset? nextFrom = null;
        if (rows.Count > query.Limit)
        {
            // As the trade history: the page ends before the millisecond it would split (at most one row per kind share
            // one), and the next starts at it. A limit below 3 whose page is one millisecond keeps that millisecond whole
            // and goes on after it, so paging neither loops nor skips a row.
            var next = rows[query.Limit].Timestamp;
            var keep = query.Limit;
            while (keep > 0 && rows[keep - 1].Timestamp == next)
            {
                keep--;
            }

            if (keep > 0)
            {
                rows.RemoveRange(keep, rows.Count - keep);
                nextFrom = DateTimeOffset.FromUnixTimeMilliseconds(next);
            }
            else
            {
                var end = query.Limit;
                while (end < rows.Count && rows[end].Timestamp == next)
                {
                    end++;
                }

                rows.RemoveRange(end, rows.Count - end);
                nextFrom = DateTimeOffset.FromUnixTimeMilliseconds(next + 1);
            }
        }

        return new IndexHistory
        {
            IndexName = query.IndexName,
            From = DateTimeOffset.FromUnixTimeMilliseconds(query.FromMs),
            To = DateTimeOffset.FromUnixTimeMilliseconds(query.ToMs),
            Limit = query.Limit,
            Kind = query.Kind?.Name(),
            Truncated = nextFrom is not null,
            NextFrom = nextFrom,
            Values = rows,
        };
    }
}
