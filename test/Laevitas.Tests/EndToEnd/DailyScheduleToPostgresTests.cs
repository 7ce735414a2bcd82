using System.Collections.Concurrent;
using System.Diagnostics;
using Laevitas.DeribitSimulator;
using Laevitas.DeribitSimulator.Universe;
using Laevitas.Silo.Settlements;
using Laevitas.Testing;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Xunit.Abstractions;
using static Laevitas.Tests.EndToEnd.PipelineInfrastructure;

namespace Laevitas.Tests.EndToEnd;

/// <summary>
/// Issue 25 item 6, shown end to end: the simulator's 08:00 UTC schedule on an accelerated clock, against one silo wired
/// as Program.cs wires it (feed with the instrument.state channels, grains, Kafka, writer, settlement backfill on the
/// same clock). A daily listed at 08:00 is followed by the feed within seconds (the discovery poll is an hour away, so
/// only the channel can explain it), and the daily that expired at 08:00 is settled: its last ticker's
/// <c>delivery_price</c> in <c>deribit_prices</c> and the backfill's row in <c>deribit_delivery_prices</c> both hold the
/// price the simulator published for btc_usd that day.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DailyScheduleToPostgresTests(PostgresFixture postgres, ITestOutputHelper output) : IDisposable
{
    private const string Topic = "e2e-daily";
    private const double Factor = 20;

    /// <summary>From the created notification to the first tick of the new listing stored: "within seconds".</summary>
    private static readonly TimeSpan FollowBound = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private static readonly DateOnly Day = new(2025, 7, 30);
    private static readonly DateTimeOffset Settlement = new(Day.ToDateTime(new TimeOnly(8, 0)), TimeSpan.Zero);
    private readonly PipelineInfrastructure pipeline = new("e2e-daily-");

    public void Dispose() => pipeline.Dispose();

    [Fact]
    public async Task AListingCreatedAt0800IsFollowedWithinSecondsAndTheExpiredDailyIsSettledAtItsDeliveryPrice()
    {
        // The clock runs at 1× from 07:57 while the silo comes up, then 20× faster: 08:00 comes seconds later.
        var clock = new ScaledClock(Settlement.AddMinutes(-3), 1);
        var connectionString = await postgres.CreateDatabaseAsync("e2e_daily_schedule");
        await using var simulator = await DeribitSimulatorServer.StartAsync(new SimulatorOptions
        {
            InstrumentCount = 60,
            TicksPerSecond = 300,
            Seed = 25,
            Clock = clock,
            DailySchedule = true,
            SettlementsSince = Day.AddDays(-20),
        });
        var createdAt = new ConcurrentDictionary<string, (long WallTimestamp, DateTimeOffset Wall)>(StringComparer.Ordinal);
        simulator.InstrumentListed += instrument => createdAt.TryAdd(instrument.InstrumentName, (Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow));

        var expiring = simulator.Universe.Active
            .Where(i => i.Kind == InstrumentKind.Option && i.BaseCurrency == "BTC" && !i.IsLinear && i.ExpirationTimestamp == Settlement.ToUnixTimeMilliseconds())
            .Select(i => i.InstrumentName).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(expiring);
        var followedBefore = simulator.Universe.Active.Count(i => !i.IsLinear && i.BaseCurrency == "BTC");

        var settings = pipeline.SiloSettings(simulator.Url, connectionString, Topic, partitions: 2);
        settings["Deribit:Currencies"] = "BTC";
        settings["Deribit:InstrumentStateChannel"] = "true";
        settings["Deribit:DiscoveryRefreshSeconds"] = "3600";
        settings["Settlements:Indexes"] = "btc_usd";
        settings["Settlements:SettleDelay"] = "00:00:10";
        settings["Settlements:RetryMinDelay"] = "00:00:01";
        // The settlement backfill runs on the exchange's clock; everything else in the silo keeps the wall clock.
        await using var silo = await SiloApiHost.StartAsync(settings, services =>
        {
            services.Remove(services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(SettlementBackfillService)));
            services.AddHostedService(sp => ActivatorUtilities.CreateInstance<SettlementBackfillService>(sp, (TimeProvider)clock));
        });
        await using var database = NpgsqlDataSource.Create(connectionString);

        // The BTC instruments' ticker channels and instrument.state.{option,future}.BTC, and the history up to yesterday.
        await Eventually.TrueAsync(() => silo.Feed.ChannelsSubscribed == followedBefore + 2, Patience,
            "the silo to subscribe every BTC ticker and instrument.state channel", () => $"{silo.Feed.ChannelsSubscribed} subscribed; {Warnings(silo)}");
        await Eventually.TrueAsync(async () => await DeliveryPriceAsync(database, Day.AddDays(-1)) is not null, Patience,
            "the start pass to store yesterday's btc_usd settlement", () => Warnings(silo));
        Assert.True(clock.GetUtcNow() < Settlement, $"the silo took until {clock.GetUtcNow():O} of the clock to come up: 08:00 passed at 1×");
        Assert.Null(await DeliveryPriceAsync(database, Day));
        Assert.Empty(createdAt);

        clock.SetFactor(Factor);
        var raceStart = clock.GetUtcNow();
        var raced = Stopwatch.StartNew();

        // 08:00: the new BTC daily (2 August) is created; each of its instruments gets stored ticks, measured from its created notification.
        await Eventually.TrueAsync(() => createdAt.Keys.Count(n => n.StartsWith("BTC-2AUG25-", StringComparison.Ordinal)) == 2 * simulator.Options.DailyStrikes,
            Patience, "the 08:00 listing of BTC-2AUG25", () => $"clock {clock.GetUtcNow():O}");
        var listed = createdAt.Keys.Where(n => n.StartsWith("BTC-2AUG25-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var firstStored = new Dictionary<string, (TimeSpan Seen, FirstRow Row)>(StringComparer.Ordinal);
        await Eventually.TrueAsync(async () =>
        {
            foreach (var name in listed.Where(n => !firstStored.ContainsKey(n)))
            {
                if (await FirstRowAsync(database, name) is { } row)
                {
                    firstStored[name] = (Stopwatch.GetElapsedTime(createdAt[name].WallTimestamp), row);
                }
            }

            return firstStored.Count == listed.Count;
        }, Patience, "a stored tick of every instrument listed at 08:00",
            () => $"{firstStored.Count}/{listed.Count} stored; followed {silo.Feed.InstrumentsFollowed}; {Warnings(silo)}");

        foreach (var name in listed)
        {
            var (seen, row) = firstStored[name];
            var created = simulator.Universe.Active.Single(i => i.InstrumentName == name).CreationTimestamp;
            var received = row.ReceivedAt - createdAt[name].Wall;
            output.WriteLine($"{name}: created {DateTimeOffset.FromUnixTimeMilliseconds(created):HH:mm:ss.fff} (clock); first tick {DateTimeOffset.FromUnixTimeMilliseconds(row.Timestamp):HH:mm:ss.fff} (clock), " +
                             $"received by the silo {received.TotalMilliseconds:0} ms and seen stored {seen.TotalMilliseconds:0} ms after the created notification (wall)");
            Assert.InRange(created, Settlement.ToUnixTimeMilliseconds(), Settlement.AddMinutes(1).ToUnixTimeMilliseconds());
            Assert.True(row.Timestamp >= created, $"{name}: a tick stored from before its creation");
            Assert.True(seen <= FollowBound, $"{name}: first tick stored {seen.TotalSeconds:0.0} s after its created notification (bound {FollowBound.TotalSeconds} s)");
            Assert.True(received <= FollowBound, $"{name}: first tick received {received.TotalSeconds:0.0} s after its created notification");
        }

        Assert.True(silo.Feed.ListingEvents(Laevitas.Feed.ListingState.Created) >= listed.Count);

        // The daily of the 30th expired at 08:00: its last ticker carries the day's delivery price of btc_usd, which
        // get_delivery_prices publishes from then on and the backfill stores.
        var published = simulator.DeliveryPrices("btc_usd")[0];
        Assert.Equal(Day, published.Date);
        Assert.All(expiring, name => Assert.Contains(simulator.Universe.Expired, i => i.InstrumentName == name));
        foreach (var name in expiring)
        {
            FinalRow? last = null;
            await Eventually.TrueAsync(async () => (last = await FinalRowAsync(database, name)) is { DeliveryPrice: not null }, Patience,
                $"the last ticker of {name} stored", () => $"{last}; {Warnings(silo)}");
            Assert.Equal(published.DeliveryPrice, last!.DeliveryPrice);
            Assert.Equal("closed", last.State);
            Assert.InRange(last.Timestamp, Settlement.ToUnixTimeMilliseconds(), Settlement.AddMinutes(1).ToUnixTimeMilliseconds());
            Assert.Equal(1, await CountAsync(database, $"SELECT count(*) FROM deribit_prices WHERE instrument_name = '{name}' AND delivery_price IS NOT NULL"));
        }

        double? settled = null;
        await Eventually.TrueAsync(async () => (settled = await DeliveryPriceAsync(database, Day)) is not null, Patience,
            "the backfill to store the 30 July settlement of btc_usd", () => $"clock {clock.GetUtcNow():O}; {Warnings(silo)}");
        Assert.Equal(published.DeliveryPrice, settled);
        Assert.True(clock.GetUtcNow() >= Settlement.AddSeconds(10), "stored before 08:00 + SettleDelay");
        output.WriteLine($"btc_usd delivered at {published.DeliveryPrice:R} on {Day:yyyy-MM-dd}: {expiring.Count} expired dailies' last tickers and deribit_delivery_prices agree; " +
                         $"{raced.Elapsed.TotalSeconds:0.0} s of wall time from the race to 08:00 (at {Factor}×, from {raceStart:HH:mm:ss} of the clock) to the stored settlement");
        Assert.Equal(0, silo.Feed.ParseErrors);
    }

    private sealed record FirstRow(long Timestamp, DateTimeOffset ReceivedAt);

    private sealed record FinalRow(long Timestamp, string? State, double? DeliveryPrice);

    private static async Task<FirstRow?> FirstRowAsync(NpgsqlDataSource database, string name)
    {
        await using var command = database.CreateCommand("SELECT \"timestamp\", received_at FROM deribit_prices WHERE instrument_name = $1 ORDER BY \"timestamp\" LIMIT 1");
        command.Parameters.AddWithValue(name);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? new FirstRow(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1)) : null;
    }

    private static async Task<FinalRow?> FinalRowAsync(NpgsqlDataSource database, string name)
    {
        await using var command = database.CreateCommand("SELECT \"timestamp\", state, delivery_price FROM deribit_prices WHERE instrument_name = $1 ORDER BY \"timestamp\" DESC LIMIT 1");
        command.Parameters.AddWithValue(name);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? new FinalRow(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetDouble(2))
            : null;
    }

    private static async Task<double?> DeliveryPriceAsync(NpgsqlDataSource database, DateOnly date)
    {
        await using var command = database.CreateCommand("SELECT delivery_price FROM deribit_delivery_prices WHERE index_name = 'btc_usd' AND delivery_date = $1");
        command.Parameters.AddWithValue(date);
        return await command.ExecuteScalarAsync() is double price ? price : null;
    }

    private static async Task<long> CountAsync(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
