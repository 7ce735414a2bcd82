using Laevitas.Grains.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Laevitas.Tests.Clustering;

/// <summary>TEMPORARY until PostgresFixture lands on main: a fresh migrated database per test on a dev server.</summary>
public sealed class ClusteringPostgres : IAsyncLifetime
{
    private const string Server = "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres";
    private readonly List<string> _databases = [];

    public async Task<string> CreateMigratedDatabaseAsync()
    {
        var name = "clustering_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(Server))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync();
        }

        _databases.Add(name);
        var connectionString = new NpgsqlConnectionStringBuilder(Server) { Database = name }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).ApplyAsync();
        return connectionString;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(Server);
        await admin.OpenAsync();
        foreach (var name in _databases)
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
