using Laevitas.Testing;
using Laevitas.Streaming.Kafka.Providers;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace Laevitas.Tests.Streaming.Providers;

/// <summary>The tick stream through a database outage and a silo crash: every tick lands, none twice.</summary>
[Collection(TickStreamCollection.Name)]
public sealed class TickStreamChaosTests(PostgresFixture postgres, KafkaFixture kafka, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task PostgresStoppedMidStreamLosesNothingAndCommitsNothingUnstored()
    {
        await using var harness = await TickStreamHarness.CreateAsync(postgres, kafka.Cluster, "stream_db_outage", partitions: 4);
        var ticks = new DeribitTickGenerator(seed: 3, options: 120, futures: 40, perpetuals: 8).Ticks(perInstrument: 200, startMs: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await harness.StartClusterAsync();

        // About 25 s of steady ticks; the database is down for 15 s in the middle.
        var producing = harness.ProduceSteadilyAsync(ticks, perSecond: ticks.Count / 25);
        await Eventually.TrueAsync(async () => await harness.CountRowsAsync() > ticks.Count / 10, Patience, "rows before the outage");

        await postgres.StopAsync();
        // Taken once the server is down, not before asking it to stop: a transaction that began a moment before the
        // stop and committed while the server was shutting down stored its rows before the outage (createdAt is its
        // start time), and its offsets may rightly be committed. A row stored only after the restart is created after
        // this instant, so an offset committed for it during the outage is still caught below.
        var stoppedAt = DateTime.UtcNow;
        await Eventually.TrueAsync(() => harness.WriterStatus().Any(s => !s.DatabaseAvailable), Patience, "the writers to notice the outage");

        // Let commits of batches stored just before the stop settle, then watch the committed offsets: nothing can be
        // stored, so nothing may be committed.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var committedDuringOutage = harness.CommittedOffsets();
        await Task.Delay(TimeSpan.FromSeconds(10));
        var committedLaterInOutage = harness.CommittedOffsets();
        Assert.Equal(committedDuringOutage, committedLaterInOutage);
        Assert.All(harness.WriterStatus(), s => Assert.False(s.DatabaseAvailable));
        var readDuringOutage = harness.Cluster!.Silos.SelectMany(s => s.ServiceProvider.GetRequiredService<KafkaStreamStatus>().Snapshot()).Sum(p => p.TicksRead);

        await postgres.StartAsync();
        // Idle pooled connections (the fixture's too) died with the server; later tests must not pick them up.
        NpgsqlConnection.ClearAllPools();
        var positions = await producing;
        await Eventually.TrueAsync(async () => await harness.CountRowsAsync() == ticks.Count, Patience,
            $"{ticks.Count} rows after the outage", () => harness.CountRowsAsync().GetAwaiter().GetResult().ToString());

        var rows = await harness.ReadRowsAsync();
        Assert.Equal(ticks.Count, rows.Count);
        foreach (var tick in ticks)
        {
            Assert.Equal(tick.Expected, rows[(tick.Expected.InstrumentName, tick.Expected.Timestamp)]);
        }

        // Invariant 1, checked on the data: every tick below an offset committed during the outage was already in
        // PostgreSQL before the outage (its row was created before the server stopped).
        var storedBefore = await StoredBeforeAsync(harness.DataSource, stoppedAt);
        var checkedTicks = 0;
        for (var i = 0; i < ticks.Count; i++)
        {
            var position = positions[i];
            if (position.Offset.Value < committedDuringOutage[position.Partition.Value])
            {
                Assert.Contains((ticks[i].Expected.InstrumentName, ticks[i].Expected.Timestamp), storedBefore);
                checkedTicks++;
            }
        }

        Assert.True(checkedTicks > 0, "some offsets were committed before the outage");
        var end = harness.HighWatermarks();
        await Eventually.TrueAsync(() => harness.CommittedOffsets().SequenceEqual(end), Patience,
            "committed offsets at the end after recovery", () => string.Join(",", harness.CommittedOffsets()));
        var status = harness.WriterStatus().Single();
        Assert.True(status.DatabaseAvailable);
        Assert.True(status.WriteFailures > 0);
        output.WriteLine($"{checkedTicks} ticks below offsets committed during the outage, all stored before it; {readDuringOutage} ticks read by then; " +
                         $"{status.WriteFailures} failed write attempts; {status.DuplicateRows} rows re-delivered and skipped; " +
                         $"batches: average {status.AverageBatchTicks:0}, largest {status.LargestBatchTicks}");
    }

    [Fact]
    public async Task SilosJoiningAndCrashingMidStreamLoseNothingAndStoreNothingTwice()
    {
        await using var harness = await TickStreamHarness.CreateAsync(postgres, kafka.Cluster, "stream_silo_churn", partitions: 4);
        var ticks = new DeribitTickGenerator(seed: 4, options: 120, futures: 40, perpetuals: 8).Ticks(perInstrument: 200, startMs: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await harness.StartClusterAsync(silos: 1);
        var cluster = harness.Cluster!;

        var producing = harness.ProduceSteadilyAsync(ticks, perSecond: ticks.Count / 25);
        await Eventually.TrueAsync(async () => await harness.CountRowsAsync() > ticks.Count / 8, Patience, "rows before the churn");

        // A silo joins: queues move to it while the writer activations stay where they are, so a live writer receives
        // batches cut differently by the queue's new owner, which starts again at the committed offset.
        await cluster.StartAdditionalSiloAsync();
        await Eventually.TrueAsync(() => cluster.Silos.All(s => ReadPartitions(s).Count > 0), Patience, "queues spread over both silos",
            () => string.Join(" | ", cluster.Silos.Select(s => $"{s.Name}: {string.Join(",", ReadPartitions(s))}")));
        var rowsAtJoin = await harness.CountRowsAsync();
        await Eventually.TrueAsync(async () => await harness.CountRowsAsync() > rowsAtJoin + (ticks.Count / 8), Patience, "rows after the join");

        // Then a silo that reads partitions crashes (no graceful shutdown) and a new one joins.
        var victim = cluster.Silos.First(s => ReadPartitions(s).Count > 0);
        var victimPartitions = ReadPartitions(victim);
        var rowsAtCrash = await harness.CountRowsAsync();
        await cluster.KillSiloAsync(victim);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await cluster.StartAdditionalSiloAsync();
        await producing;

        await Eventually.TrueAsync(async () => await harness.CountRowsAsync() == ticks.Count, Patience,
            $"{ticks.Count} rows after the churn", () => harness.CountRowsAsync().GetAwaiter().GetResult().ToString());
        var rows = await harness.ReadRowsAsync();
        Assert.Equal(ticks.Count, rows.Count);
        foreach (var tick in ticks)
        {
            Assert.Equal(tick.Expected, rows[(tick.Expected.InstrumentName, tick.Expected.Timestamp)]);
        }

        var end = harness.HighWatermarks();
        await Eventually.TrueAsync(() => harness.CommittedOffsets().SequenceEqual(end), Patience,
            "committed offsets at the end after the churn", () => string.Join(",", harness.CommittedOffsets()));
        output.WriteLine($"join at {rowsAtJoin} rows; killed {victim.Name} reading partitions {string.Join(",", victimPartitions)} at {rowsAtCrash} rows; " +
                         $"re-delivered and skipped by the running silos: {harness.WriterStatus().Sum(s => s.DuplicateRows)} rows");
    }

    private static List<int> ReadPartitions(Orleans.TestingHost.InProcessSiloHandle silo) =>
        silo.ServiceProvider.GetRequiredService<KafkaStreamStatus>().Snapshot().Where(p => p.Assigned).Select(p => p.Partition).ToList();

    private static async Task<HashSet<(string, long)>> StoredBeforeAsync(NpgsqlDataSource dataSource, DateTime instant)
    {
        var stored = new HashSet<(string, long)>();
        await using var command = dataSource.CreateCommand("SELECT instrument_name, \"timestamp\" FROM deribit_prices WHERE \"createdAt\" < @instant");
        command.Parameters.AddWithValue("instant", instant);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            stored.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return stored;
    }
}
