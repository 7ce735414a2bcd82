using Laevitas.Testing;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Instruments;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Grains.Instruments;

[Collection(GrainsCollection.Name)]
public sealed class InstrumentGrainPersistenceTests(PostgresFixture postgres, KafkaFixture kafka) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string spoolDirectory = Path.Combine(Path.GetTempPath(), "laevitas-tests", Guid.NewGuid().ToString("N"));
    private string connectionString = "";

    public async Task InitializeAsync() => connectionString = await postgres.CreateDatabaseAsync("grains_persistence");

    public Task DisposeAsync()
    {
        if (Directory.Exists(spoolDirectory))
        {
            Directory.Delete(spoolDirectory, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task StateSurvivesDeactivationAndFullClusterRestartFromPostgres()
    {
        const string option = "BTC-29DEC28-100000-C";
        const string perpetual = "ETH-PERPETUAL";
        const string forgotten = "SOL_USDC-PERPETUAL";
        var serviceId = "persist-" + Guid.NewGuid().ToString("N")[..8];
        var topic = await kafka.CreateTopicAsync(nameof(StateSurvivesDeactivationAndFullClusterRestartFromPostgres), 2);
        var info = new InstrumentInfo
        {
            InstrumentName = option, Kind = "option", BaseCurrency = "BTC", Strike = 100000m, OptionType = "call",
            TickSize = 0.0005m, ContractSize = 1m, ExpirationTimestamp = 1861689600000,
        };
        var firstBatch = TestTicks.Batch(option, 1_700_000_000_000, 3);
        var secondBatch = TestTicks.Batch(option, 1_700_000_001_000, 2, firstSequence: 3);

        InstrumentSnapshot beforeRestart;
        await using (var cluster = await GrainTestCluster.StartAsync(connectionString, kafka.Options(topic, 2), spoolDirectory, serviceId))
        {
            var grain = cluster.Client.GetGrain<IInstrumentGrain>(option);
            await grain.UpdateInfoAsync(info);
            await grain.ReceiveTicksAsync(firstBatch);
            await grain.ReceiveTicksAsync(secondBatch);
            await cluster.Client.GetGrain<IInstrumentGrain>(perpetual).ReceiveTicksAsync(TestTicks.Batch(perpetual, 1_700_000_002_000, 4));
            await cluster.Client.GetGrain<IInstrumentGrain>(forgotten).ReceiveTicksAsync(TestTicks.Batch(forgotten, 1_700_000_003_000, 1));

            // Taking ticks writes nothing: persistence is on a timer (a minute by default) and on deactivation.
            Assert.Null(await GrainStateRows.FindAsync(connectionString, serviceId, InstrumentGrain.StateName, option));

            await cluster.DeactivateAsync(grain);
            var row = await GrainStateRows.FindAsync(connectionString, serviceId, InstrumentGrain.StateName, option);
            Assert.NotNull(row);
            Assert.Equal(1, row.Version);
            Assert.True(row.HasPayload);

            // Reactivation reads the row back.
            beforeRestart = await grain.GetSnapshotAsync();
            Assert.Equal(5, beforeRestart.TicksSeen);
            Assert.Equal(secondBatch.Ticks[^1].Payload, beforeRestart.LastTickPayload);
        }

        // Stopping the cluster deactivated the other grains, which saved their state.
        Assert.NotNull(await GrainStateRows.FindAsync(connectionString, serviceId, InstrumentGrain.StateName, perpetual));
        Assert.Equal(1, await GrainStateRows.DeleteAsync(connectionString, serviceId, InstrumentGrain.StateName, forgotten));

        await using (var cluster = await GrainTestCluster.StartAsync(connectionString, kafka.Options(topic, 2), spoolDirectory, serviceId))
        {
            var snapshot = await cluster.Client.GetGrain<IInstrumentGrain>(option).GetSnapshotAsync();
            Assert.Equal(5, snapshot.TicksSeen);
            Assert.Equal(firstBatch.Ticks[0].ReceivedAtMs, snapshot.FirstSeenAtMs);
            Assert.Equal(secondBatch.Ticks[^1].ReceivedAtMs, snapshot.LastSeenAtMs);
            Assert.Equal(secondBatch.Ticks[^1].Timestamp, snapshot.LastTickTimestamp);
            Assert.Equal(secondBatch.Ticks[^1].Payload, snapshot.LastTickPayload);
            Assert.Equal(InstrumentStatus.Active, snapshot.Status);
            Assert.Equal(info, snapshot.Info);
            Assert.Equal(0.0005m, snapshot.TickSize);
            Assert.Equal(InstrumentKind.Option, snapshot.Name.Kind);
            Assert.Equal(new DateOnly(2028, 12, 29), snapshot.Name.Expiry);
            Assert.Equal(100000m, snapshot.Name.Strike);
            Assert.Equal('C', snapshot.Name.OptionType);

            Assert.Equal(4, (await cluster.Client.GetGrain<IInstrumentGrain>(perpetual).GetSnapshotAsync()).TicksSeen);

            // Its row was deleted while no silo ran: nothing in memory brings it back.
            var gone = await cluster.Client.GetGrain<IInstrumentGrain>(forgotten).GetSnapshotAsync();
            Assert.Equal(0, gone.TicksSeen);
            Assert.Null(gone.LastTickPayload);
        }
    }

    [Fact]
    public async Task TimerWritesOnlyWhenSomethingChanged()
    {
        const string name = "BTC-PERPETUAL";
        var serviceId = "timer-" + Guid.NewGuid().ToString("N")[..8];
        var topic = await kafka.CreateTopicAsync(nameof(TimerWritesOnlyWhenSomethingChanged), 1);
        var interval = TimeSpan.FromMilliseconds(200);
        await using var cluster = await GrainTestCluster.StartAsync(
            connectionString, kafka.Options(topic, 1), spoolDirectory, serviceId,
            new Dictionary<string, string?> { ["Instruments:PersistInterval"] = interval.ToString() });
        var grain = cluster.Client.GetGrain<IInstrumentGrain>(name);

        await grain.ReceiveTicksAsync(TestTicks.Batch(name, 1_700_000_000_000, 10));
        GrainStateRows.Row? row = null;
        await Eventually.TrueAsync(
            async () => (row = await GrainStateRows.FindAsync(connectionString, serviceId, InstrumentGrain.StateName, name)) is not null,
            Timeout, "the timer to write the state");
        Assert.Equal(1, row!.Version);

        // Several intervals without ticks: a clean grain does not write.
        await Task.Delay(interval * 5);
        Assert.Equal(1, (await GrainStateRows.FindAsync(connectionString, serviceId, InstrumentGrain.StateName, name))!.Version);

        await grain.ReceiveTicksAsync(TestTicks.Batch(name, 1_700_000_001_000, 1));
        await Eventually.TrueAsync(
            async () => (await GrainStateRows.FindAsync(connectionString, serviceId, InstrumentGrain.StateName, name))!.Version == 2,
            Timeout, "the timer to write the changed state once");
    }

    [Fact]
    public async Task DelistedInstrumentIsMarkedSavedAndDeactivated()
    {
        const string name = "ETH-29MAR30-4000-P";
        var serviceId = "delist-" + Guid.NewGuid().ToString("N")[..8];
        var topic = await kafka.CreateTopicAsync(nameof(DelistedInstrumentIsMarkedSavedAndDeactivated), 1);
        await using var cluster = await GrainTestCluster.StartAsync(connectionString, kafka.Options(topic, 1), spoolDirectory, serviceId);
        var grain = cluster.Client.GetGrain<IInstrumentGrain>(name);
        await grain.ReceiveTicksAsync(TestTicks.Batch(name, 1_700_000_000_000, 2));

        await grain.MarkDelistedAsync(1_700_000_500_000);

        Assert.NotNull(await GrainStateRows.FindAsync(connectionString, serviceId, InstrumentGrain.StateName, name));
        await Eventually.TrueAsync(() => !cluster.TryGetGrainContext(grain.GetGrainId(), out _), Timeout, "the delisted grain to deactivate");
        var snapshot = await grain.GetSnapshotAsync();
        Assert.Equal(InstrumentStatus.Delisted, snapshot.Status);
        Assert.Equal(1_700_000_500_000, snapshot.StatusChangedAtMs);
        Assert.Equal(2, snapshot.TicksSeen);
    }

    [Fact]
    public async Task ExpiredInstrumentMarksItselfSavesAndDeactivates()
    {
        const string name = "BTC-5AUG23-30000-C";
        var serviceId = "expiry-" + Guid.NewGuid().ToString("N")[..8];
        var topic = await kafka.CreateTopicAsync(nameof(ExpiredInstrumentMarksItselfSavesAndDeactivates), 1);
        await using var cluster = await GrainTestCluster.StartAsync(
            connectionString, kafka.Options(topic, 1), spoolDirectory, serviceId,
            new Dictionary<string, string?> { ["Instruments:PersistInterval"] = "00:00:00.200" });
        var registry = cluster.Client.GetGrain<IInstrumentRegistryGrain>(IInstrumentRegistryGrain.Key);
        await registry.RegisterAsync([InstrumentListing.From(new InstrumentInfo { InstrumentName = name, Kind = "option" }, 1)]);
        var grain = cluster.Client.GetGrain<IInstrumentGrain>(name);
        await grain.ReceiveTicksAsync(TestTicks.Batch(name, 1_691_200_000_000, 1));

        await Eventually.TrueAsync(() => !cluster.TryGetGrainContext(grain.GetGrainId(), out _), Timeout, "the expired grain to deactivate");

        Assert.NotNull(await GrainStateRows.FindAsync(connectionString, serviceId, InstrumentGrain.StateName, name));
        Assert.Equal(InstrumentStatus.Expired, (await grain.GetSnapshotAsync()).Status);
        Assert.Equal(InstrumentStatus.Expired, Assert.Single(await registry.ListAsync(new InstrumentQuery { Currency = "BTC" })).Status);
    }
}
