using System.Diagnostics.Metrics;
using Laevitas.DeribitSimulator;
using Laevitas.DeribitSimulator.Settlements;
using Laevitas.Feed;
using Laevitas.Feed.Settlements;
using Laevitas.Grains.Abstractions.Settlements;
using Laevitas.Grains.Settlements;
using Laevitas.Grains.Storage;
using Laevitas.Silo.Settlements;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Laevitas.Tests.Silo.Settlements;

/// <summary>A migrated database of its own, a <see cref="SettlementBackfill"/> against a simulator, and reads of the table.</summary>
internal sealed class SettlementRig : IAsyncDisposable
{
    private readonly ServiceProvider metrics;

    private SettlementRig(NpgsqlDataSource dataSource, DeribitSimulatorServer simulator, ILoggerFactory loggers)
    {
        DataSource = dataSource;
        Simulator = simulator;
        Store = new DeliveryPricesStore(dataSource);
        metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        Metrics = new SettlementMetrics(metrics.GetRequiredService<IMeterFactory>());
        // The feed's pace for discovery calls (1/s) is the production default; tests page faster.
        var deribit = Options.Create(new DeribitOptions { Url = simulator.Url, DiscoveryCallsPerSecond = 100, RequestTimeoutSeconds = 5, ConnectTimeoutSeconds = 5 });
        Deribit = deribit;
        Backfill = new SettlementBackfill(new DeliveryPriceClient(deribit, NullLogger<DeliveryPriceClient>.Instance), Store, Metrics,
            loggers.CreateLogger<SettlementBackfill>());
    }

    public NpgsqlDataSource DataSource { get; }

    public DeribitSimulatorServer Simulator { get; }

    public DeliveryPricesStore Store { get; }

    public SettlementMetrics Metrics { get; }

    public IOptions<DeribitOptions> Deribit { get; }

    public SettlementBackfill Backfill { get; }

    public IServiceProvider MeterServices => metrics;

    public static async Task<SettlementRig> StartAsync(PostgresFixture postgres, string database, SimulatorOptions simulator, ILoggerFactory? loggers = null)
    {
        var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(database));
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).ApplyAsync();
        var sim = await DeribitSimulatorServer.StartAsync(simulator);
        return new SettlementRig(dataSource, sim, loggers ?? NullLoggerFactory.Instance);
    }

    /// <summary>Every stored delivery price of <paramref name="index"/>, oldest first.</summary>
    public async Task<IReadOnlyList<SettlementRow>> StoredAsync(string index)
    {
        var history = await Store.ReadAsync(new SettlementQuery { IndexName = index, From = new DateOnly(2010, 1, 1), To = new DateOnly(2099, 12, 31), Limit = 10_000 });
        Assert.False(history.Truncated);
        return history.Settlements;
    }

    /// <summary>Fails naming the first difference unless the table holds exactly the simulator's history of the index.</summary>
    public async Task AssertReconciledAsync(string index)
    {
        var stored = await StoredAsync(index);
        var expected = Simulator.DeliveryPrices(index).Reverse().ToArray();
        Assert.True(expected.Length > 0, $"the simulator has no history of {index}");
        Assert.True(stored.Count == expected.Length, $"{index}: {stored.Count} stored, the simulator has {expected.Length}");
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(stored[i].Date == expected[i].Date && stored[i].DeliveryPrice.Equals(expected[i].DeliveryPrice),
                $"{index} row {i}: stored {stored[i].Date} {stored[i].DeliveryPrice:R}, the simulator has {expected[i].Date} {expected[i].DeliveryPrice:R}");
        }
    }

    public static SimulatedDeliveryPrice Newest(DeribitSimulatorServer simulator, string index) => simulator.DeliveryPrices(index)[0];

    public async ValueTask DisposeAsync()
    {
        await Simulator.DisposeAsync();
        await DataSource.DisposeAsync();
        await metrics.DisposeAsync();
    }
}
