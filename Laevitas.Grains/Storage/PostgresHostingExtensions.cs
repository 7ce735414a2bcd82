using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans;
using Orleans.Runtime;

namespace Laevitas.Grains.Storage;

public static class PostgresHostingExtensions
{
    public const string ConnectionStringName = "Postgres";

    /// <summary>
    /// Registers the one <see cref="NpgsqlDataSource"/> of the process (from
    /// <c>ConnectionStrings:Postgres</c>), the <see cref="DatabaseMigrator"/>, and a silo lifecycle
    /// participant that applies the migrations before the runtime starts, so every silo — including
    /// TestingHost silos — finds its schema before grain storage, membership or streams touch it.
    /// </summary>
    /// <remarks>
    /// The connection string is read when the data source is first resolved (at silo start), so a
    /// value placed in configuration after this call — e.g. by the private PostgreSQL — is seen.
    /// </remarks>
    public static IServiceCollection AddLaevitasPostgres(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(serviceProvider =>
        {
            var builder = new NpgsqlDataSourceBuilder(PostgresConnectionDefaults.Apply(ReadConnectionString(configuration)));
            builder.UseLoggerFactory(serviceProvider.GetService<ILoggerFactory>());
            return builder.Build();
        });
        services.TryAddSingleton<DatabaseMigrator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILifecycleParticipant<ISiloLifecycle>, DatabaseMigrationParticipant>());
        return services;
    }

    /// <exception cref="InvalidOperationException">The connection string is missing or malformed.</exception>
    public static string ReadConnectionString(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionStringName} is empty. Set it (environment variable ConnectionStrings__{ConnectionStringName}, " +
                "e.g. \"Host=db;Username=laevitas;Password=...;Database=laevitas\"), or run the silo without it to get a private local PostgreSQL.");
        }

        try
        {
            // Parsing validates keywords and values without connecting.
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            // The message names the bad keyword; the value itself may hold a password, so it is not repeated.
            throw new InvalidOperationException($"ConnectionStrings:{ConnectionStringName} is not a valid Npgsql connection string: {ex.Message}", ex);
        }

        return connectionString;
    }
}
