using Laevitas.Grains.Storage;
using Npgsql;

namespace Laevitas.Silo.Clustering;

/// <summary>
/// Applies the database scripts (membership table and the OrleansQuery rows the ADO.NET provider runs) before the
/// membership service reads them. The silo's hosted services may start after Orleans, so the ordering is pinned to the
/// silo lifecycle instead: <see cref="ServiceLifecycleStage.RuntimeInitialize"/> comes before membership starts at
/// <see cref="ServiceLifecycleStage.RuntimeGrainServices"/>. The scripts are idempotent and run under an advisory
/// lock, so silos starting together, or a second run by the storage wiring, are harmless.
/// </summary>
internal sealed class ClusteringSchemaInitializer(string connectionString, ILoggerFactory loggerFactory)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ClusteringSchemaInitializer), ServiceLifecycleStage.RuntimeInitialize, ApplyAsync);

    private async Task ApplyAsync(CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var migrator = new DatabaseMigrator(dataSource, loggerFactory.CreateLogger<DatabaseMigrator>());
        await migrator.ApplyAsync(cancellationToken);
    }
}
