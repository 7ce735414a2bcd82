using Npgsql;

namespace Laevitas.Tests.Infrastructure;

/// <summary>Reads Orleans grain-state rows straight from PostgreSQL, to prove what is stored there.</summary>
internal static class GrainStateRows
{
    public sealed record Row(int Version, bool HasPayload, int PayloadBytes);

    public static async Task<Row?> FindAsync(string connectionString, string serviceId, string stateName, string key)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT version, payload IS NOT NULL, coalesce(length(payload), 0) FROM orleans_grain_state " +
            "WHERE service_id = @service AND state_name = @state AND grain_id_string = @key",
            connection);
        command.Parameters.AddWithValue("service", serviceId);
        command.Parameters.AddWithValue("state", stateName);
        command.Parameters.AddWithValue("key", key);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? new Row(reader.GetInt32(0), reader.GetBoolean(1), reader.GetInt32(2)) : null;
    }

    public static async Task<int> DeleteAsync(string connectionString, string serviceId, string stateName, string key)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "DELETE FROM orleans_grain_state WHERE service_id = @service AND state_name = @state AND grain_id_string = @key", connection);
        command.Parameters.AddWithValue("service", serviceId);
        command.Parameters.AddWithValue("state", stateName);
        command.Parameters.AddWithValue("key", key);
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>Raises the row's version as a write by another activation would (its payload left as it was).</summary>
    public static async Task<int> BumpVersionAsync(string connectionString, string serviceId, string stateName, string key)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "UPDATE orleans_grain_state SET version = version + 1 WHERE service_id = @service AND state_name = @state AND grain_id_string = @key " +
            "RETURNING version", connection);
        command.Parameters.AddWithValue("service", serviceId);
        command.Parameters.AddWithValue("state", stateName);
        command.Parameters.AddWithValue("key", key);
        return (int)(await command.ExecuteScalarAsync() ?? throw new InvalidOperationException($"No state row for {key} in service {serviceId}."));
    }
}
