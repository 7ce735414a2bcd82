using Laevitas.Grains.Abstractions.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Configuration;

namespace Laevitas.Grains.Storage;

/// <summary>Wires Orleans grain storage on PostgreSQL (ADO.NET provider, this project's own SQL).</summary>
public static class GrainStorageHostingExtensions
{
    /// <summary>The ADO.NET invariant of Npgsql.</summary>
    public const string AdoNetInvariant = "Npgsql";

    public const string ConnectionStringName = "Postgres";

    /// <summary>
    /// Registers ADO.NET grain storage <see cref="ProviderNames.GrainStorage"/> (invariant <c>Npgsql</c>). It connects
    /// through the <see cref="NpgsqlDataSource"/> registered in the container when there is one (the silo's private
    /// cluster or a shared pool), otherwise through <c>ConnectionStrings:Postgres</c>. The storage table and its
    /// queries (scripts <c>001</c> and <c>010</c>) are applied at <see cref="ServiceLifecycleStage.RuntimeInitialize"/>,
    /// before the provider reads its queries at <see cref="ServiceLifecycleStage.ApplicationServices"/>.
    /// </summary>
    public static ISiloBuilder AddLaevitasGrainStorage(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.AddAdoNetGrainStorage(ProviderNames.GrainStorage, optionsBuilder => optionsBuilder.Configure<IServiceProvider>((options, services) =>
        {
            options.Invariant = AdoNetInvariant;
            if (services.GetService<NpgsqlDataSource>() is { } dataSource)
            {
                options.DataSource = dataSource;
                options.ConnectionString = null;
            }
            else
            {
                options.ConnectionString = ConnectionString(services);
            }
        }));
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, GrainStorageSchemaInitializer>();
        return silo;
    }

    internal static string ConnectionString(IServiceProvider services)
    {
        var connectionString = services.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionStringName);
        return string.IsNullOrWhiteSpace(connectionString)
            ? throw new InvalidOperationException(
                $"Grain storage needs PostgreSQL: set ConnectionStrings:{ConnectionStringName}, or register an NpgsqlDataSource " +
                "(the silo's private cluster does) before the silo starts.")
            : connectionString;
    }
}
