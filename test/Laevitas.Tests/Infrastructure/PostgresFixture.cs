using Laevitas.LocalInfrastructure.Postgres;
using Npgsql;

namespace Laevitas.Tests.Infrastructure;

/// <summary>
/// One private PostgreSQL server (fresh temp directory, free port) for a test collection. Each test
/// class asks <see cref="CreateDatabaseAsync"/> for its own database, so classes sharing the server
/// do not see each other's rows. Chaos tests stop, kill and restart the server through the
/// passthroughs; the port and data survive a restart, so clients reconnect to the same address.
/// </summary>
/// <remarks>
/// Use it through <c>[Collection(PostgresCollection.Name)]</c> (classes of one collection run one
/// after another, so a chaos test that stops the server cannot disturb another class), or declare
/// your own collection with this fixture to get a server of your own.
/// </remarks>
public sealed class PostgresFixture : IAsyncLifetime
{
    public PrivatePostgres Server { get; } = new();

    /// <summary>Superuser connection to the server's <c>postgres</c> database.</summary>
    public string ConnectionString => Server.ConnectionString;

    public int Port => Server.Port;

    public Task InitializeAsync() => Server.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>
    /// Drops <paramref name="name"/> if it exists (disconnecting its users), creates it empty and
    /// returns a connection string to it. Names are folded to lower case.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        var database = name.ToLowerInvariant();
        if (database.Length is 0 or > 63 || !database.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            throw new ArgumentException($"Database name '{name}' must be 1-63 ASCII letters, digits or underscores.", nameof(name));
        }

        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using (var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await using (var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        // Connections pooled for an earlier database of this name were terminated by the drop.
        var connectionString = Server.ConnectionStringFor(database);
        await using (var stale = new NpgsqlConnection(connectionString))
        {
            NpgsqlConnection.ClearPool(stale);
        }

        return connectionString;
    }

    /// <summary>Fast shutdown; <see cref="StartAsync"/> brings it back on the same port with the same data.</summary>
    public Task StopAsync() => Server.StopAsync();

    public async Task StartAsync()
    {
        await Server.StartAsync();
        // The pools still hold connections the stop terminated (57P01 on their next use): drop them, for every class
        // sharing this server.
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>SIGKILL of the postmaster and every backend (e.g. mid-COPY); restart with <see cref="StartAsync"/>.</summary>
    public Task KillAsync() => Server.KillAsync();
}
