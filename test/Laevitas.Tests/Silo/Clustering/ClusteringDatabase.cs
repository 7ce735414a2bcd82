using Laevitas.Grains.Storage;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Laevitas.Tests.Silo.Clustering;

/// <summary>A database of its own for each clustering test, on the collection's private server.</summary>
internal static class ClusteringDatabase
{
    /// <summary>An empty database: what a silo meets on its first start against a new server.</summary>
    public static Task<string> CreateEmptyAsync(PostgresFixture postgres) =>
        postgres.CreateDatabaseAsync("clustering_" + Guid.NewGuid().ToString("N")[..16]);

    /// <summary>A database with every project script applied, as after a silo's first start.</summary>
    public static async Task<string> CreateMigratedAsync(PostgresFixture postgres)
    {
        var connectionString = await CreateEmptyAsync(postgres);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).ApplyAsync();
        return connectionString;
    }
}
