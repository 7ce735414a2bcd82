using Laevitas.Testing;
using Laevitas.ChaosTests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace Laevitas.ChaosTests.Database;

/// <summary>PostgreSQL outages under load: Kafka holds the backlog, every tick lands once the database is back.</summary>
[Collection(ChaosCollection.Name)]
public sealed class DatabaseFaultTests(ChaosCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task Steady_streaming_stores_every_tick_once()
    {
        var chaosCase = await cluster.BeginCaseAsync("baseline", 0, "none (steady streaming)", "10 s");
        await Task.Delay(TimeSpan.FromSeconds(10));
        var result = await cluster.EndCaseAsync(chaosCase);
        output.WriteLine(result.Describe());
        Assert.True(result.Emitted > ChaosSettings.TicksPerSecond * 5, $"the window holds a steady stream: {result.Describe()}");
        Assert.Empty(result.Missing);
        Assert.Empty(result.Phantom);
        Assert.Equal(0, result.Duplicates);
    }

    [Fact]
    public async Task Postgres_stopped_loses_nothing_and_stores_nothing_twice()
    {
        var outage = ChaosSettings.Outage;
        var chaosCase = await cluster.BeginCaseAsync("postgres-stopped", 10, "PostgreSQL stopped (fast shutdown), then started", $"{outage.TotalSeconds:0} s");
        await Task.Delay(TimeSpan.FromSeconds(2));
        chaosCase.FaultStarted();
        await cluster.Postgres.StopAsync();
        await Task.Delay(outage);
        await cluster.StartPostgresAsync();
        chaosCase.FaultEnded();
        var result = await cluster.EndCaseAsync(chaosCase);
        output.WriteLine(result.Describe());
        Assert.Empty(result.Missing);
        Assert.Empty(result.Phantom);
        Assert.Equal(0, result.Duplicates);
    }

    [Fact]
    public async Task Postgres_killed_mid_copy_loses_nothing_and_stores_nothing_twice()
    {
        var down = TimeSpan.FromSeconds(5);
        var chaosCase = await cluster.BeginCaseAsync("postgres-killed", 11, "PostgreSQL SIGKILLed (postmaster and backends) while a COPY runs, restarted", $"{down.TotalSeconds:0} s");
        await Task.Delay(TimeSpan.FromSeconds(2));

        // Kill the moment a writer's COPY is on the wire: the transaction dies half-done and must be replayed.
        var monitorConnection = new NpgsqlConnectionStringBuilder(cluster.Postgres.ConnectionString) { Pooling = false }.ConnectionString;
        await Eventually.TrueAsync(
            async () =>
            {
                await using var monitor = new NpgsqlConnection(monitorConnection);
                await monitor.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query ILIKE 'COPY %'", monitor);
                return (long)(await command.ExecuteScalarAsync())! > 0;
            },
            TimeSpan.FromSeconds(60), "a COPY in progress");

        chaosCase.FaultStarted();
        await cluster.Postgres.KillAsync();
        chaosCase.Notes.Add("killed while a COPY was active");
        await Task.Delay(down);
        await cluster.StartPostgresAsync();
        chaosCase.FaultEnded();
        var result = await cluster.EndCaseAsync(chaosCase);
        output.WriteLine(result.Describe());
        Assert.Empty(result.Missing);
        Assert.Empty(result.Phantom);
        Assert.Equal(0, result.Duplicates);
    }
}
