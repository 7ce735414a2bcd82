using Laevitas.Grains.Abstractions.Hosting;
using Laevitas.Grains.Instruments;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Laevitas.Tests.Grains.Storage;

/// <summary>
/// Drives the ADO.NET storage provider directly against this project's SQL (scripts 001/010) and checks the
/// contract the provider relies on: versions as ETags, optimistic concurrency, clear and read-back.
/// </summary>
[Collection(GrainsCollection.Name)]
public sealed class GrainStorageContractTests(PostgresFixture postgres, KafkaFixture kafka) : IAsyncLifetime
{
    private readonly string spoolDirectory = Path.Combine(Path.GetTempPath(), "laevitas-tests", Guid.NewGuid().ToString("N"));
    private string connectionString = "";

    public async Task InitializeAsync() => connectionString = await postgres.CreateDatabaseAsync("grains_storage_contract");

    public Task DisposeAsync()
    {
        if (Directory.Exists(spoolDirectory))
        {
            Directory.Delete(spoolDirectory, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task VersionsAreEtagsAndStaleWritesAreRejected()
    {
        var serviceId = "contract-" + Guid.NewGuid().ToString("N")[..8];
        var topic = await kafka.CreateTopicAsync(nameof(VersionsAreEtagsAndStaleWritesAreRejected), 1);
        await using var cluster = await GrainTestCluster.StartAsync(connectionString, kafka.Options(topic, 1), spoolDirectory, serviceId);
        var storage = cluster.GetSiloServiceProvider().GetRequiredKeyedService<IGrainStorage>(ProviderNames.GrainStorage);
        var grainId = GrainId.Create("contract-test", "BTC-PERPETUAL");
        const string stateName = "contract-state";

        var empty = new GrainState<InstrumentState>(new InstrumentState());
        await storage.ReadStateAsync(stateName, grainId, empty);
        Assert.Null(empty.ETag);
        Assert.False(empty.RecordExists);

        var first = new GrainState<InstrumentState>(new InstrumentState { TicksSeen = 1 });
        await storage.WriteStateAsync(stateName, grainId, first);
        Assert.Equal("1", first.ETag);

        // A second writer that never read the row may not insert over it.
        var blind = new GrainState<InstrumentState>(new InstrumentState { TicksSeen = 99 });
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(stateName, grainId, blind));

        var stale = new GrainState<InstrumentState>(new InstrumentState { TicksSeen = 98 }) { ETag = first.ETag };
        first.State!.TicksSeen = 2;
        await storage.WriteStateAsync(stateName, grainId, first);
        Assert.Equal("2", first.ETag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(stateName, grainId, stale));

        var read = new GrainState<InstrumentState>(new InstrumentState());
        await storage.ReadStateAsync(stateName, grainId, read);
        Assert.Equal("2", read.ETag);
        Assert.True(read.RecordExists);
        Assert.Equal(2, read.State!.TicksSeen);

        // The same key under another state name is another row.
        var other = new GrainState<InstrumentState>(new InstrumentState());
        await storage.ReadStateAsync("another-state", grainId, other);
        Assert.False(other.RecordExists);

        await storage.ClearStateAsync(stateName, grainId, read);
        Assert.Equal("3", read.ETag);
        Assert.False(read.RecordExists);
        var cleared = new GrainState<InstrumentState>(new InstrumentState());
        await storage.ReadStateAsync(stateName, grainId, cleared);
        Assert.Equal("3", cleared.ETag);
        Assert.False(cleared.RecordExists);
        Assert.Equal(0, cleared.State!.TicksSeen);

        // Writing after a clear continues the version sequence.
        cleared.State!.TicksSeen = 5;
        await storage.WriteStateAsync(stateName, grainId, cleared);
        Assert.Equal("4", cleared.ETag);
        var row = await GrainStateRows.FindAsync(connectionString, serviceId, stateName, "BTC-PERPETUAL");
        Assert.Equal(4, row?.Version);
    }

    [Fact]
    public void EveryPersistentStateIsNamedAfterItsGrainType()
    {
        // dotnet/orleans#9737, #8746: rows are keyed by state name + grain key, not grain type; unique state
        // names per grain type are what keep two grain types with the same key apart.
        var states = typeof(InstrumentGrain).Assembly.GetTypes()
            .Where(t => typeof(Grain).IsAssignableFrom(t))
            .SelectMany(t => t.GetConstructors().SelectMany(c => c.GetParameters()).Select(p => (Grain: t, Attribute: p.GetCustomAttributes(typeof(PersistentStateAttribute), false).OfType<PersistentStateAttribute>().SingleOrDefault())))
            .Where(x => x.Attribute is not null)
            .ToList();

        Assert.NotEmpty(states);
        Assert.Equal(states.Count, states.Select(s => s.Attribute!.StateName).Distinct(StringComparer.Ordinal).Count());
        foreach (var (grain, attribute) in states)
        {
            var grainType = grain.GetCustomAttributes(typeof(GrainTypeAttribute), false).OfType<GrainTypeAttribute>().SingleOrDefault();
            Assert.NotNull(grainType);
            Assert.Equal(grainType.GetGrainType(null!, grain).ToString(), attribute!.StateName);
        }
    }
}
