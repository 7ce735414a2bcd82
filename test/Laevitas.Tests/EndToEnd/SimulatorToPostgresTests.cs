using Laevitas.Testing;
using System.Text.Json;
using Laevitas.DeribitSimulator;
using Laevitas.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;
using static Laevitas.Tests.EndToEnd.PipelineInfrastructure;

namespace Laevitas.Tests.EndToEnd;

/// <summary>
/// The whole pipeline in one silo, as Program.cs wires it: simulator → DeribitFeed → InstrumentGrain → Kafka → tick
/// stream → writer grains → <c>deribit_prices</c>. A second, independent subscriber (a raw WebSocket client) receives
/// the same notifications the silo does, so every stored row is compared field by field with the JSON the exchange
/// sent, and the set of rows with the simulator's ledger of what it wrote to the sockets.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SimulatorToPostgresTests(PostgresFixture postgres, ITestOutputHelper output) : IDisposable
{
    private const int Instruments = 1_000;
    private const int Ticks = 200_000;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly PipelineInfrastructure pipeline = new("e2e-");

    public void Dispose() => pipeline.Dispose();

    [Fact]
    public async Task EveryEmittedTickIsStoredOnceWithEveryFieldAsSentAndTheEnrichment()
    {
        var startedAt = DateTime.UtcNow;
        var connectionString = await postgres.CreateDatabaseAsync("e2e_simulator_to_postgres");
        // Two subscribers per channel (the silo and the observer) get the same notification: the engine counts one
        // frame per subscriber, so the limit is twice the ticks wanted. Nothing is emitted until both are subscribed.
        await using var simulator = await DeribitSimulatorServer.StartAsync(new SimulatorOptions
        {
            InstrumentCount = Instruments,
            TicksPerSecond = 0,
            MaxTicks = 2L * Ticks,
            RecordEmitted = true,
            Seed = 5,
        });
        var listings = simulator.Universe.Active.ToDictionary(i => i.InstrumentName, StringComparer.Ordinal);
        Assert.Equal(Instruments, listings.Count);

        var settings = pipeline.SiloSettings(simulator.Url, connectionString, "e2e", partitions: 8);
        settings["Deribit:Currencies"] = "BTC,ETH,USDC";
        await using var silo = await SiloApiHost.StartAsync(settings);

        await using var observer = await RawDeribitClient.ConnectAsync(simulator.Url);
        var channels = listings.Keys.Select(name => $"ticker.{name}.100ms").ToArray();
        foreach (var chunk in channels.Chunk(200))
        {
            var subscribed = await observer.CallAsync("public/subscribe", new { channels = chunk });
            Assert.Equal(chunk.Length, subscribed.GetProperty("result").GetArrayLength());
        }

        await Eventually.TrueAsync(() => simulator.GetStatistics().Subscriptions >= 2 * Instruments, Patience,
            "the silo and the observer to subscribe every instrument", () => $"{simulator.GetStatistics().Subscriptions} subscriptions; {Warnings(silo)}");

        simulator.TicksPerSecond = 16_000;
        var observed = new Dictionary<(string, long), ExpectedPrice>();
        var repeated = 0;
        await Eventually.TrueAsync(
            async () =>
            {
                while (await observer.NextMessageAsync(TimeSpan.FromMilliseconds(200)) is { } message)
                {
                    using var document = JsonDocument.Parse(message);
                    if (!document.RootElement.TryGetProperty("params", out var parameters) || !parameters.TryGetProperty("data", out var data))
                    {
                        continue;
                    }

                    var name = data.GetProperty("instrument_name").GetString()!;
                    var row = ExpectedRow.FromNotification(data, listings[name]);
                    if (!observed.TryAdd((name, row.Timestamp), row))
                    {
                        repeated++;
                    }

                    if (observed.Count >= Ticks)
                    {
                        break;
                    }
                }

                return observed.Count >= Ticks;
            },
            Patience, $"the observer to receive {Ticks:N0} ticks", () => $"{observed.Count:N0} received");

        // What the simulator wrote to the silo's socket and the observer's, one entry per frame: each tick twice. The
        // ledger records a frame once it is written to its socket, and the silo's connection may still have frames
        // queued when the observer has read its last one (a silo slowed by the machine reads behind the observer; seen:
        // 5,527 ticks not yet written to it): wait for both copies rather than read the ledger at that instant. A tick
        // lost to a subscriber never gets its second frame, so the wait still fails on a real loss.
        Dictionary<(string Instrument, long Timestamp), int> emitted = [];
        await Eventually.TrueAsync(
            () =>
            {
                emitted = simulator.Ledger.Snapshot()
                    .SelectMany(p => p.Value.Select(timestamp => (Instrument: p.Key.Split('.')[1], Timestamp: timestamp)))
                    .GroupBy(k => k)
                    .ToDictionary(g => g.Key, g => g.Count());
                return emitted.Count == Ticks && emitted.Values.All(frames => frames == 2);
            },
            Patience, "every tick written to both subscribers' sockets", () => EmittedSummary(emitted, silo));
        // Each tick went to exactly the two subscribers: a third frame would mean the silo held a channel on two
        // connections (e.g. across a reconnect), which the feed must never do.
        Assert.True(emitted.Values.All(frames => frames == 2), EmittedSummary(emitted, silo));
        Assert.Equal(0, repeated);

        await using var database = NpgsqlDataSource.Create(connectionString);
        long stored = 0;
        await Eventually.TrueAsync(
            async () =>
            {
                await using var count = database.CreateCommand("SELECT count(*) FROM deribit_prices");
                stored = (long)(await count.ExecuteScalarAsync())!;
                return stored >= Ticks;
            },
            Patience, $"{Ticks:N0} rows in deribit_prices", () => $"{stored:N0} stored; {Warnings(silo)}");

        var rows = await ExpectedPrice.ReadAllAsync(database);

        output.WriteLine($"{Instruments:N0} instruments, {emitted.Count:N0} ticks emitted, {rows.Count:N0} rows stored");
        Assert.Equal(emitted.Keys.ToHashSet(), rows.Keys.ToHashSet());
        Assert.Equal(
            emitted.Keys.GroupBy(k => k.Instrument).ToDictionary(g => g.Key, g => g.Count()),
            rows.Keys.GroupBy(k => k.Item1).ToDictionary(g => g.Key, g => g.Count()));
        Assert.Equal(Instruments, rows.Keys.Select(k => k.Item1).Distinct().Count());
        foreach (var (key, expected) in observed)
        {
            var row = rows[key];
            Assert.Equal(expected, row with { ReceivedAt = null });
            Assert.InRange(row.ReceivedAt!.Value, startedAt, DateTime.UtcNow);
        }
    }

    private static string EmittedSummary(Dictionary<(string Instrument, long Timestamp), int> emitted, SiloApiHost silo) =>
        $"{emitted.Count:N0} distinct ticks emitted, {emitted.Count(e => e.Value != 2):N0} of them not exactly twice " +
        $"({string.Join(", ", emitted.Where(e => e.Value != 2).Take(3).Select(e => $"{e.Key.Instrument}@{e.Key.Timestamp}: {e.Value}"))}); " +
        $"feed: {silo.Feed.Reconnects} reconnects, {silo.Feed.ConnectionsOpen} connections; {Warnings(silo)}";
}
