using Laevitas.Testing;
using Npgsql;

namespace Laevitas.Tests.Infrastructure;

/// <summary>Reads deribit_prices directly, to compare history answers with what is stored.</summary>
internal static class StoredTicks
{
    /// <summary>The instrument with the most stored rows, once some instrument has at least <paramref name="rows"/>.</summary>
    public static async Task<string> InstrumentWithRowsAsync(string connectionString, int rows)
    {
        string? found = null;
        long best = 0;
        await Eventually.TrueAsync(async () =>
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand(
                    "SELECT instrument_name, count(*) FROM deribit_prices GROUP BY instrument_name ORDER BY count(*) DESC, instrument_name LIMIT 1", connection);
                await using var reader = await command.ExecuteReaderAsync();
                if (await reader.ReadAsync())
                {
                    (found, best) = (reader.GetString(0), reader.GetInt64(1));
                }

                return best >= rows;
            },
            TimeSpan.FromSeconds(90), $"an instrument with {rows} stored rows", () => $"{found}: {best}");
        return found!;
    }

    /// <summary>Exchange timestamps and mark prices stored for the instrument, oldest first.</summary>
    public static async Task<List<(long Timestamp, double? MarkPrice)>> ReadAsync(string connectionString, string instrument, long fromMs, long toMs)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT \"timestamp\", mark_price FROM deribit_prices WHERE instrument_name = $1 AND \"timestamp\" >= $2 AND \"timestamp\" < $3 ORDER BY \"timestamp\"", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = instrument });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = fromMs });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = toMs });
        var rows = new List<(long, double?)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetDouble(1)));
        }

        return rows;
    }
}
