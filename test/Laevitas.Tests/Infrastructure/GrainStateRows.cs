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

    /// <summary>
    /// Locks the row (<c>SELECT ... FOR UPDATE</c> in an open transaction) until the returned handle is disposed:
    /// a write to it then waits inside PostgreSQL, as against a database that has stopped answering.
    /// </summary>
    public static async Task<IAsyncDisposable> LockAsync(string connectionString, string serviceId, string stateName, string key)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(
            "SELECT version FROM orleans_grain_state WHERE service_id = @service AND state_name = @state AND grain_id_string = @key FOR UPDATE",
            connection, transaction);
        command.Parameters.AddWithValue("service", serviceId);
        command.Parameters.AddWithValue("state", stateName);
        command.Parameters.AddWithValue("key", key);
        if (await command.ExecuteScalarAsync() is null)
        {
            await connection.DisposeAsync();
            throw new InvalidOperationException($"No state row for {key} in service {serviceId} to lock.");
        }

        return new RowLock(connection, transaction);
    }

    /// <summary>
    /// Locks the whole table (<c>ACCESS EXCLUSIVE</c>, in an open transaction) until the returned handle is disposed:
    /// reads of any grain's state then wait too.
    /// </summary>
    public static async Task<IAsyncDisposable> LockTableAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand("LOCK TABLE orleans_grain_state IN ACCESS EXCLUSIVE MODE", connection, transaction);
        await command.ExecuteNonQueryAsync();
        return new RowLock(connection, transaction);
    }

    /// <summary>Statements on <c>orleans_grain_state</c> waiting for a lock: writes (UPDATE), or reads and writes alike.</summary>
    public static async Task<long> WaitingOnLockAsync(string connectionString, bool writesOnly = true)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE @statement AND pid <> pg_backend_pid()", connection);
        command.Parameters.AddWithValue("statement", writesOnly ? "%UPDATE orleans_grain_state%" : "%orleans_grain_state%");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private sealed class RowLock(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.RollbackAsync();
            await connection.DisposeAsync();
        }
    }
}
