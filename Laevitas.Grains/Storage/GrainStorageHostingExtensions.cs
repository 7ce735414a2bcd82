using Laevitas.Grains.Abstractions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;

namespace Laevitas.Grains.Storage;

/// <summary>Wires Orleans grain storage on PostgreSQL (ADO.NET provider, this project's own SQL).</summary>
public static class GrainStorageHostingExtensions
{
    /// <summary>The ADO.NET invariant of Npgsql.</summary>
    public const string AdoNetInvariant = "Npgsql";

    /// <summary>The log category of Orleans' ADO.NET grain storage (its class name).</summary>
    internal const string AdoNetGrainStorageLogCategory = "Orleans.Storage.AdoNetGrainStorage";

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
        // The provider logs an error with a stack trace for every read or write that fails, then throws it to the
        // grain; with the database away that is every instrument grain on every timer tick, thousands per period.
        // The grains that use it handle the failure and report it themselves, counted, and logged at most once per
        // interval (InstrumentGrain: laevitas_instrument_state_write_failures_total, state_reads_deferred_total;
        // InstrumentRegistryGrain: its save warning). Its critical errors still show.
        silo.Services.AddLogging(logging => logging.AddFilter(AdoNetGrainStorageLogCategory, LogLevel.Critical));
        return silo;
    }
}
