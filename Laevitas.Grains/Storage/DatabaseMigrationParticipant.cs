using Orleans;
using Orleans.Runtime;

namespace Laevitas.Grains.Storage;

/// <summary>
/// Runs <see cref="DatabaseMigrator.ApplyAsync"/> as the first thing a silo does on start.
/// </summary>
/// <remarks>
/// Stage: just before <see cref="ServiceLifecycleStage.RuntimeInitialize"/>, where membership
/// tables are initialized; grain storage initializes at ApplicationServices and stream pulling
/// agents start at Active, both later. A failure (database unreachable, bad script) fails the silo
/// start with the database's error instead of surfacing later as a storage fault.
/// </remarks>
internal sealed class DatabaseMigrationParticipant(DatabaseMigrator migrator) : ILifecycleParticipant<ISiloLifecycle>
{
    public const int Stage = ServiceLifecycleStage.RuntimeInitialize - 100;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DatabaseMigrationParticipant), Stage, migrator.ApplyAsync);
}
