using Microsoft.Extensions.Logging;
using Npgsql;

namespace Laevitas.LocalInfrastructure.Postgres;

/// <summary>
/// The silo's private PostgreSQL and the logger it reports through. Disposed at the very end of
/// Program (after the host has stopped), so the silo's final writes land before the server stops.
/// </summary>
public sealed class EmbeddedPostgresHost : IAsyncDisposable
{
    private readonly ILoggerFactory loggerFactory;

    private EmbeddedPostgresHost(PrivatePostgres server, string connectionString, ILoggerFactory loggerFactory)
    {
        Server = server;
        ConnectionString = connectionString;
        this.loggerFactory = loggerFactory;
    }

    public PrivatePostgres Server { get; }

    /// <summary>Connection string of the silo's database inside the private cluster.</summary>
    public string ConnectionString { get; }

    public static async Task<EmbeddedPostgresHost> StartAsync(EmbeddedPostgresOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var logger = loggerFactory.CreateLogger<PrivatePostgres>();
        var dataDirectory = string.IsNullOrWhiteSpace(options.DataDirectory) ? EmbeddedPostgresOptions.DefaultDataDirectory : options.DataDirectory;
        var server = new PrivatePostgres(
            new PrivatePostgresOptions
            {
                DataDirectory = dataDirectory,
                Port = options.Port,
                FallBackToFreePort = true,
                // The host's graceful shutdown stops the silo first and then disposes this.
                StopOnTerminationSignal = false,
            },
            logger);
        try
        {
            await server.StartAsync(cancellationToken);
            await CreateDatabaseIfMissingAsync(server, options.Database, cancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        logger.LogInformation(
            "ConnectionStrings:Postgres is empty, so the silo uses its private PostgreSQL: data in {DataDirectory}, " +
            "listening on {Host}:{Port}, database {Database}. Connect with: psql -h {Host} -p {Port} -U {User} {Database}",
            server.DataDirectory, PrivatePostgres.Host, server.Port, options.Database, PrivatePostgres.Host, server.Port, PrivatePostgres.SuperUser, options.Database);
        return new EmbeddedPostgresHost(server, server.ConnectionStringFor(options.Database), loggerFactory);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        loggerFactory.Dispose();
    }

    private static async Task CreateDatabaseIfMissingAsync(PrivatePostgres server, string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            // The name was validated (lower-case letters, digits, underscores), so quoting it is enough.
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
