using Laevitas.Grains.Abstractions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Configuration;

namespace Laevitas.Grains.Storage;

/// <summary>Wires Orleans grain storage on PostgreSQL (ADO.NET provider, this project's own SQL).</summary>
public static class GrainStorageHostingExtensions
{
    /// <summary>The ADO.NET invariant of Npgsql.</summary>
    public const string AdoNetInvariant = "Npgsql";

    /// <summary>
    /// Registers ADO.NET grain storage <see cref="ProviderNames.GrainStorage"/> (invariant <c>Npgsql</c>) on the
    /// process's <see cref="NpgsqlDataSource"/> (<c>ConnectionStrings:Postgres</c>, or the private cluster, through
    /// <see cref="PostgresHostingExtensions.AddLaevitasPostgres"/>, called here too — it is idempotent). Its
    /// migration participant applies scripts <c>001</c>/<c>010</c> before the silo runtime starts, so the
    /// provider finds its queries in <c>OrleansQuery</c> when it initializes.
    /// </summary>
    public static ISiloBuilder AddLaevitasGrainStorage(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddLaevitasPostgres(silo.Configuration);
        silo.AddAdoNetGrainStorage(ProviderNames.GrainStorage, optionsBuilder => optionsBuilder.Configure<NpgsqlDataSource>((options, dataSource) =>
        {
            options.Invariant = AdoNetInvariant;
            // The data source rather than its connection string: it carries the password (a connection string
            // read back from a data source does not) and the process's one connection pool.
            options.DataSource = dataSource;
        }));
        return silo;
    }
}
