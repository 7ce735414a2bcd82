using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Laevitas.Testing;
using Laevitas.ChaosTests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace Laevitas.ChaosTests.Database;

/// <summary>PostgreSQL outages under load: Kafka holds the backlog, every tick lands once the database is back.</summary>
[Collection(ChaosCollection.Name)]
public sealed partial class DatabaseFaultTests(ChaosCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task SteadyStreamingStoresEveryTickOnce()
    {
        var chaosCase = await cluster.BeginCaseAsync("baseline", 0, "none (steady streaming)", "10 s");
        await Task.Delay(TimeSpan.FromSeconds(10));
        var result = await cluster.EndCaseAsync(chaosCase);
        output.WriteLine(result.Describe());
        Assert.True(result.Emitted > ChaosSettings.TicksPerSecond * 5, $"the window holds a steady stream: {result.Describe()}");
        Assert.Empty(result.Missing);
        Assert.Empty(result.Phantom);
        Assert.Empty(result.ValuesDiffering);
    }

    [Fact]
    public async Task PostgresStoppedLosesNothingAndStoresNothingTwice()
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
        Assert.Empty(result.ValuesDiffering);
    }

    [Fact]
    public async Task PostgresKilledMidCopyLosesNothingAndStoresNothingTwice()
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
        Assert.Empty(result.ValuesDiffering);
    }

    [Fact]
    public async Task PostgresDownForAMinuteWhileInstrumentGrainsAreReactivatedLosesNothing()
    {
        // Issue 21 item 4: an instrument grain's activation must not wait on its stored state. Every idle activation
        // is collected three times while the database is away, so thousands of grains reactivate without being
        // able to read their rows; the feed's ticks must keep flowing to Kafka meanwhile.
        var outage = TimeSpan.FromSeconds(60);
        var client = await cluster.ClientAsync(); // before the outage: the client finds its gateways in PostgreSQL
        var management = client.GetGrain<IManagementGrain>(0);
        var chaosCase = await cluster.BeginCaseAsync("postgres-down-reactivations", 12,
            "PostgreSQL stopped while every idle instrument grain is deactivated (activation collection forced 3 times, 15 s apart), then started",
            $"{outage.TotalSeconds:0} s");
        var deferredBefore = await StateReadsDeferredAsync();
        // Named now: without them the management grain reads the silos from the membership table, in PostgreSQL.
        // Retried: the case before this one restarted PostgreSQL, and a pooled connection that died with it fails its
        // next use (seen once: an NpgsqlException Orleans could not serialize back, CodecNotFoundException).
        SiloAddress[] silos = [];
        await Eventually.TrueAsync(
            async () =>
            {
                silos = (await management.GetHosts(onlyActive: true)).Keys.ToArray();
                return silos.Length > 0;
            },
            TimeSpan.FromSeconds(60), "the active silos from the membership table");
        await Task.Delay(TimeSpan.FromSeconds(2));
        chaosCase.FaultStarted();
        var down = Stopwatch.StartNew();
        await cluster.Postgres.StopAsync();
        for (var round = 0; round < 3; round++)
        {
            try
            {
                await management.ForceActivationCollection(silos, TimeSpan.Zero);
            }
            catch (Exception ex)
            {
                // The forced collection is the case's tool, not what it checks: with the database away a deactivation
                // can fail (seen once: an NpgsqlException Orleans could not serialize back, CodecNotFoundException).
                // The other rounds go on; "deferred > 100" below says whether grains did reactivate without their state.
                output.WriteLine($"forced collection round {round + 1} failed: {ex.GetType().Name}: {ex.Message}");
            }

            await Task.Delay(TimeSpan.FromSeconds(15));
        }

        if (outage - down.Elapsed is { Ticks: > 0 } rest)
        {
            await Task.Delay(rest);
        }

        var deferred = await StateReadsDeferredAsync() - deferredBefore;
        await cluster.StartPostgresAsync();
        chaosCase.FaultEnded();
        chaosCase.Notes.Add($"{deferred:N0} instrument activations started without their stored state");
        var result = await cluster.EndCaseAsync(chaosCase);
        output.WriteLine(result.Describe());
        // The fault happened: grains did reactivate while their state could not be read.
        Assert.True(deferred > 100, $"only {deferred} activations without their state: the case did not exercise reactivation");
        Assert.Empty(result.Missing);
        Assert.Empty(result.Phantom);
        Assert.Empty(result.ValuesDiffering);
    }

    /// <summary>Sum over the running silos of <c>laevitas_instrument_state_reads_deferred_total</c>.</summary>
    private async Task<long> StateReadsDeferredAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        long total = 0;
        foreach (var silo in cluster.Silos.Where(s => s.IsRunning))
        {
            var text = await http.GetStringAsync($"{silo.HttpBase}/metrics");
            foreach (Match match in DeferredReads().Matches(text))
            {
                total += (long)double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            }
        }

        return total;
    }

    [GeneratedRegex(@"^laevitas_instrument_state_reads_deferred_total(?:\{[^}]*\})? ([0-9.eE+]+)", RegexOptions.Multiline)]
    private static partial Regex DeferredReads();
}
