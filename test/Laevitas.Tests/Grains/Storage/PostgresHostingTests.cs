using Laevitas.Testing;
using Laevitas.Grains.Storage;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.TestingHost;

namespace Laevitas.Tests.Grains.Storage;

[Collection(PostgresCollection.Name)]
public sealed class PostgresHostingTests(PostgresFixture postgres)
{
    /// <summary>The advisory lock key DatabaseMigrator holds while it applies scripts.</summary>
    private const long MigratorLockKey = 0x4C41455649544153;

    [Fact]
    public async Task SiloStartRunsTheMigratorAndWaitsForItBeforeCompleting()
    {
        var connectionString = await postgres.CreateDatabaseAsync("hosting_migrations");
        await using var blocker = new NpgsqlConnection(connectionString);
        await blocker.OpenAsync();
        await ExecuteAsync(blocker, $"SELECT pg_advisory_lock({MigratorLockKey})");

        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Configuration["ConnectionStrings:Postgres"] = connectionString;
            host.Services.AddLaevitasPostgres(host.Configuration);
        });
        var cluster = builder.Build();
        try
        {
            var deploy = cluster.DeployAsync();

            // The silo's migrator now queues behind our lock: an ungranted advisory lock in this database.
            await Eventually.TrueAsync(
                async () => await ScalarAsync(blocker, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") > 0,
                TimeSpan.FromSeconds(30),
                "the silo's migrator to wait for the advisory lock");
            Assert.False(deploy.IsCompleted, "the silo must not finish starting before its migrations ran");

            await ExecuteAsync(blocker, $"SELECT pg_advisory_unlock({MigratorLockKey})");
            await deploy.WaitAsync(TimeSpan.FromSeconds(60));

            var dataSource = cluster.Silos[0].SiloHost.Services.GetRequiredService<NpgsqlDataSource>();
            await using var command = dataSource.CreateCommand("SELECT current_database()");
            Assert.Equal("hosting_migrations", await command.ExecuteScalarAsync());
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public void MissingConnectionStringIsAClearError()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("ConnectionStrings:Postgres", "")]).Build();

        var error = Assert.Throws<InvalidOperationException>(() => PostgresHostingExtensions.ReadConnectionString(configuration));

        Assert.Contains("ConnectionStrings:Postgres is empty", error.Message);
    }

    [Fact]
    public void MalformedConnectionStringIsAClearErrorWithoutItsSecrets()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new("ConnectionStrings:Postgres", "Host=db;Password=hunter2;Colour=blue")])
            .Build();

        var error = Assert.Throws<InvalidOperationException>(() => PostgresHostingExtensions.ReadConnectionString(configuration));

        Assert.Contains("not a valid Npgsql connection string", error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
