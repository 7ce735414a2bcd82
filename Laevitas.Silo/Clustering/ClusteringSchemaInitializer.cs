using Laevitas.Grains.Storage;
using Npgsql;

namespace Laevitas.Silo.Clustering;

/// <summary>
/// Makes sure the database scripts (membership tables and the OrleansQuery rows the ADO.NET provider runs) are applied
/// before the membership service reads them: <see cref="ServiceLifecycleStage.RuntimeInitialize"/> comes before
/// membership starts at <see cref="ServiceLifecycleStage.RuntimeGrainServices"/>. When the host's Postgres wiring
/// (<c>AddLaevitasPostgres</c>) already registered a <see cref="DatabaseMigrator"/>, that wiring applies the same scripts
/// earlier in the lifecycle and this participant stands aside; otherwise (a host without that wiring, e.g. a test host)
/// it applies them itself. The scripts are idempotent and run under an advisory lock, so silos starting together are safe.
/// </summary>
internal sealed class ClusteringSchemaInitializer(string connectionString, IServiceProvider services, ILoggerFactory loggerFactory)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle)
    {
        if (services.GetService<DatabaseMigrator>() is not null)
        {
            return;
        }

        lifecycle.Subscribe(nameof(ClusteringSchemaInitializer), ServiceLifecycleStage.RuntimeInitialize, ApplyAsync);
    }

    private async Task ApplyAsync(CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var migrator = new DatabaseMigrator(dataSource, loggerFactory.CreateLogger<DatabaseMigrator>());
        await migrator.ApplyAsync(cancellationToken);
    }
}
