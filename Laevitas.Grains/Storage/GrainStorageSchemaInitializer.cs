using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Laevitas.Grains.Storage;

/// <summary>
/// Applies the database scripts before the ADO.NET storage provider loads its queries from <c>OrleansQuery</c>.
/// Pinned to the silo lifecycle (not a hosted service, which may start after Orleans). Harmless when another
/// component applies them too: the scripts are idempotent and run under an advisory lock.
/// </summary>
internal sealed class GrainStorageSchemaInitializer(IServiceProvider services, ILoggerFactory loggerFactory) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(GrainStorageSchemaInitializer), ServiceLifecycleStage.RuntimeInitialize, ApplyAsync);

    private async Task ApplyAsync(CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger<DatabaseMigrator>();
        if (services.GetService<NpgsqlDataSource>() is { } shared)
        {
            await new DatabaseMigrator(shared, logger).ApplyAsync(cancellationToken);
            return;
        }

        await using var dataSource = NpgsqlDataSource.Create(GrainStorageHostingExtensions.ConnectionString(services));
        await new DatabaseMigrator(dataSource, logger).ApplyAsync(cancellationToken);
    }
}
