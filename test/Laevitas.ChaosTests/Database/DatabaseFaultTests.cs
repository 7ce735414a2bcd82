using System.Diagnostics;
using System.Globalization;
using Laevitas.Testing;
using Laevitas.ChaosTests.Infrastructure;
using Laevitas.Grains.Instruments;
using Npgsql;
using Xunit.Abstractions;

namespace Laevitas.ChaosTests.Database;

/// <summary>PostgreSQL outages under load: Kafka holds the backlog, every tick lands once the database is back.</summary>
[Collection(ChaosCollection.Name)]
public sealed class DatabaseFaultTests(ChaosCluster cluster, ITestOutputHelper output)
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
    public async Task PostgresFrozenLosesNothingAndHoldsNoTickBackForTheDatabase()
    {
        // Unlike a stopped server, a frozen one refuses nothing: connections stay open, statements and new connections
        // wait unanswered. Every instrument grain's state timer (every 10 s here) fires during the freeze. A grain is
        // not reentrant, so one whose timer waited for the database would hold that instrument's ticks, and with them
        // the dispatcher's call slots, while the database stays silent: 24,308 ticks waited in the dispatchers in
        // the first run of this case, before the grains stopped waiting for their state writes and reads; then up to
        // 6,640, before the writers' blocking COPY sends left the thread pool. Kafka, not the dispatcher, is where the
        // backlog of a database outage belongs.
        // Longer than Npgsql's default statement timeout (30 s): with it, every statement waiting on the frozen server
        // timed out together, Npgsql cancelled each by opening another connection synchronously on a thread-pool
        // thread, the silos' pools starved, the feeds missed the exchange's heartbeats and ticks were lost (15,973 in
        // a 50 s freeze). The silo's connections have no statement timeout since (PostgresConnectionDefaults).
        var frozen = TimeSpan.FromSeconds(45);
        // Each feed's dispatcher holds what its grain calls carry, a few hundredths of a second of the market (at most
        // 204 in a run without the freeze, sampled the same way); half a second of every feed's ticks is the bound.
        var pendingBound = ChaosCluster.FeedReplicas * ChaosSettings.TicksPerSecond / 2;
        var chaosCase = await cluster.BeginCaseAsync("postgres-frozen", 13,
            "PostgreSQL frozen (SIGSTOP of the postmaster and every backend): connections stay open, nothing is answered, then it goes on (SIGCONT)",
            $"{frozen.TotalSeconds:0} s");
        // Every instrument grain active with its state (the freeze is about grains that have it, not activations,
        // which wait for their read once: Instruments:StateReadTimeout): each wrote its row within one timer period.
        await Eventually.TrueAsync(async () => await RecentStateWritesAsync(TimeSpan.FromSeconds(11)) >= 2_000, TimeSpan.FromSeconds(90),
            "2,000 instrument grains to have written their state within 11 s");
        chaosCase.FaultStarted();
        await cluster.Postgres.PauseAsync();
        var pending = new List<double>();
        var unanswered = 0;
        try
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < frozen)
            {
                try
                {
                    pending.Add(await cluster.SumMetricAsync("laevitas_dispatch_pending"));
                }
                catch (Exception ex) when (ex is TaskCanceledException or HttpRequestException)
                {
                    // A silo whose /metrics does not answer within the client's 10 s is stalled, not merely busy.
                    unanswered++;
                    output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} /metrics unanswered: {ex.GetType().Name}");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500));
            }
        }
        finally
        {
            await cluster.Postgres.ResumeAsync();
        }

        chaosCase.FaultEnded();
        var maxPending = pending.Count == 0 ? 0 : pending.Max();
        chaosCase.Notes.Add($"ticks waiting in the dispatchers during the freeze: at most {maxPending:N0} (bound {pendingBound:N0}, sampled every 0.5 s)");
        var result = await cluster.EndCaseAsync(chaosCase);
        output.WriteLine(result.Describe());
        output.WriteLine($"dispatchers' backlog every 0.5 s: {string.Join(" ", pending.Select(p => p.ToString("0", CultureInfo.InvariantCulture)))}");
        Assert.True(unanswered == 0,
            $"a silo's /metrics went unanswered for 10 s {unanswered} time(s) while PostgreSQL was frozen: the silo stalled ({result.Missing.Count:N0} ticks missing)");
        Assert.True(pending.Count >= 20, $"only {pending.Count} samples of the dispatchers' backlog in {frozen.TotalSeconds:0} s");
        Assert.True(maxPending <= pendingBound,
            $"{maxPending:N0} ticks waited in the dispatchers while PostgreSQL was frozen, more than {pendingBound:N0}: something on the ingest path waited for the database");
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

    private async Task<long> StateReadsDeferredAsync() => (long)await cluster.SumMetricAsync("laevitas_instrument_state_reads_deferred_total");

    /// <summary>Instrument grains whose state row was written within <paramref name="within"/>.</summary>
    private async Task<long> RecentStateWritesAsync(TimeSpan within)
    {
        await using var command = cluster.Database.CreateCommand(
            "SELECT count(*) FROM orleans_grain_state WHERE state_name = @state AND modified_at > now() - @within");
        command.Parameters.AddWithValue("state", InstrumentGrain.StateName);
        command.Parameters.AddWithValue("within", within);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
