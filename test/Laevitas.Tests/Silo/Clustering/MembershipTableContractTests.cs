using System.Net;
using Laevitas.Grains.Abstractions.Clustering;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Runtime.Membership;
using Orleans.Runtime.MembershipService;

namespace Laevitas.Tests.Silo.Clustering;

/// <summary>
/// Drives the Orleans ADO.NET membership provider itself against our SQL (030_orleans_clustering.sql): every query key
/// it runs, with the parameters and etags it really passes, on a real PostgreSQL.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class MembershipTableContractTests(PostgresFixture postgres)
{
    private static readonly DateTime Origin = new(2025, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);

    private async Task<(AdoNetClusteringTable Table, string ConnectionString, string ClusterId)> NewTableAsync()
    {
        var connectionString = await ClusteringDatabase.CreateMigratedAsync(postgres);
        var clusterId = "contract-" + Guid.NewGuid().ToString("N")[..8];
        var table = new AdoNetClusteringTable(
            new ServiceCollection().BuildServiceProvider(),
            Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "laevitas" }),
            Options.Create(new AdoNetClusteringSiloOptions { Invariant = ClusteringOptions.AdoNetInvariant, ConnectionString = connectionString }),
            NullLogger<AdoNetClusteringTable>.Instance);
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true);
        return (table, connectionString, clusterId);
    }

    // TableVersion.Next() keeps the etag it was read with, so every write needs a fresh read, as Orleans does.
    private static async Task<TableVersion> NextVersion(AdoNetClusteringTable table) => (await table.ReadAllAsync()).Version.Next();

    private static MembershipEntry Entry(int port, SiloStatus status, DateTime time, int proxyPort = 0) => new()
    {
        SiloAddress = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), 42),
        SiloName = $"silo-{port}",
        HostName = "host-a",
        Status = status,
        ProxyPort = proxyPort,
        StartTime = time,
        IAmAliveTime = time,
    };

    [Fact]
    public async Task ANewClusterHasAVersionRowAndNoMembers()
    {
        var (table, _, _) = await NewTableAsync();

        var all = await table.ReadAllAsync();

        Assert.Empty(all.Members);
        Assert.Equal(0, all.Version.Version);
    }

    [Fact]
    public async Task InsertNeedsTheCurrentVersionAndAdvancesIt()
    {
        var (table, _, _) = await NewTableAsync();
        var version = (await table.ReadAllAsync()).Version;

        Assert.True(await table.InsertRowAsync(Entry(1001, SiloStatus.Joining, Origin, proxyPort: 2001), version.Next()));
        // The same expected version again: someone changed the table in between, so the write must lose.
        Assert.False(await table.InsertRowAsync(Entry(1002, SiloStatus.Joining, Origin), version.Next()));

        var all = await table.ReadAllAsync();
        var member = Assert.Single(all.Members).Item1;
        Assert.Equal(version.Version + 1, all.Version.Version);
        Assert.Equal(1001, member.SiloAddress.Endpoint.Port);
        Assert.Equal(42, member.SiloAddress.Generation);
        Assert.Equal("silo-1001", member.SiloName);
        Assert.Equal("host-a", member.HostName);
        Assert.Equal(SiloStatus.Joining, member.Status);
        Assert.Equal(2001, member.ProxyPort);
        Assert.Equal(Origin, member.StartTime);
        Assert.Equal(DateTimeKind.Utc, member.StartTime.Kind);
    }

    [Fact]
    public async Task InsertingAnExistingSiloFailsWithoutMovingTheVersion()
    {
        var (table, _, _) = await NewTableAsync();
        var entry = Entry(1001, SiloStatus.Joining, Origin);
        Assert.True(await table.InsertRowAsync(entry, await NextVersion(table)));
        var before = (await table.ReadAllAsync()).Version;

        Assert.False(await table.InsertRowAsync(entry, before.Next()));

        Assert.Equal(before.Version, (await table.ReadAllAsync()).Version.Version);
    }

    [Fact]
    public async Task UpdateWithAStaleVersionChangesNothing()
    {
        var (table, _, _) = await NewTableAsync();
        var entry = Entry(1001, SiloStatus.Joining, Origin);
        Assert.True(await table.InsertRowAsync(entry, await NextVersion(table)));
        var (read, etag) = Assert.Single((await table.ReadAllAsync()).Members);
        var current = (await table.ReadAllAsync()).Version;

        read.Status = SiloStatus.Active;
        Assert.True(await table.UpdateRowAsync(read, etag, current.Next()));
        read.Status = SiloStatus.Dead;
        Assert.False(await table.UpdateRowAsync(read, etag, current.Next()));

        var after = await table.ReadAllAsync();
        Assert.Equal(SiloStatus.Active, Assert.Single(after.Members).Item1.Status);
        Assert.Equal(current.Version + 1, after.Version.Version);
    }

    [Fact]
    public async Task ConcurrentUpdatesWithTheSameVersionLetExactlyOneWin()
    {
        var (table, _, _) = await NewTableAsync();
        var version = (await table.ReadAllAsync()).Version;
        Assert.True(await table.InsertRowAsync(Entry(1001, SiloStatus.Active, Origin), version.Next()));
        Assert.True(await table.InsertRowAsync(Entry(1002, SiloStatus.Active, Origin), await NextVersion(table)));
        var snapshot = await table.ReadAllAsync();
        var first = snapshot.Members[0].Item1;
        var second = snapshot.Members[1].Item1;
        first.Status = SiloStatus.Dead;
        second.Status = SiloStatus.Dead;

        var results = await Task.WhenAll(
            Task.Run(() => table.UpdateRowAsync(first, snapshot.Members[0].Item2, snapshot.Version.Next())),
            Task.Run(() => table.UpdateRowAsync(second, snapshot.Members[1].Item2, snapshot.Version.Next())));

        Assert.Single(results, won => won);
        var after = await table.ReadAllAsync();
        Assert.Single(after.Members, m => m.Item1.Status == SiloStatus.Dead);
        Assert.Equal(snapshot.Version.Version + 1, after.Version.Version);
    }

    [Fact]
    public async Task SuspicionVotesAndHeartbeatsRoundTrip()
    {
        var (table, _, _) = await NewTableAsync();
        var version = (await table.ReadAllAsync()).Version;
        var entry = Entry(1001, SiloStatus.Active, Origin);
        Assert.True(await table.InsertRowAsync(entry, version.Next()));
        var voter = SiloAddress.New(new IPEndPoint(IPAddress.Parse("10.0.0.7"), 11111), 77);
        var (read, etag) = Assert.Single((await table.ReadAllAsync()).Members);
        read.AddOrUpdateSuspector(voter, Origin.AddSeconds(3), maxVotes: 3);
        Assert.True(await table.UpdateRowAsync(read, etag, await NextVersion(table)));
        var versionBeforeHeartbeat = (await table.ReadAllAsync()).Version.Version;

        read.IAmAliveTime = Origin.AddMinutes(1);
        await table.UpdateIAmAliveAsync(read);

        var row = await table.ReadRowAsync(entry.SiloAddress);
        var member = Assert.Single(row.Members).Item1;
        var vote = Assert.Single(member.SuspectTimes!);
        Assert.Equal(voter, vote.Item1);
        Assert.Equal(Origin.AddSeconds(3), vote.Item2);
        Assert.Equal(Origin.AddMinutes(1), member.IAmAliveTime);
        // Heartbeats are not membership changes: the version stays put.
        Assert.Equal(versionBeforeHeartbeat, row.Version.Version);
    }

    [Fact]
    public async Task ReadingAnUnknownSiloReturnsTheVersionAndNoEntry()
    {
        var (table, _, _) = await NewTableAsync();
        Assert.True(await table.InsertRowAsync(Entry(1001, SiloStatus.Active, Origin), await NextVersion(table)));

        var row = await table.ReadRowAsync(SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 9999), 1));

        Assert.Empty(row.Members);
        Assert.Equal(1, row.Version.Version);
    }

    [Fact]
    public async Task ClientsSeeOnlyActiveSilosWithAGatewayPort()
    {
        var (table, connectionString, clusterId) = await NewTableAsync();
        foreach (var (port, status, proxy) in new[] { (1001, SiloStatus.Active, 2001), (1002, SiloStatus.Joining, 2002), (1003, SiloStatus.Active, 0), (1004, SiloStatus.Dead, 2004), (1005, SiloStatus.Active, 2005) })
        {
            Assert.True(await table.InsertRowAsync(Entry(port, status, Origin, proxy), await NextVersion(table)));
        }

        var gateways = new AdoNetGatewayListProvider(
            NullLogger<AdoNetGatewayListProvider>.Instance,
            new ServiceCollection().BuildServiceProvider(),
            Options.Create(new AdoNetClusteringClientOptions { Invariant = ClusteringOptions.AdoNetInvariant, ConnectionString = connectionString }),
            Options.Create(new GatewayOptions()),
            Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "laevitas" }));
        await gateways.InitializeGatewayListProviderAsync();
        var list = await gateways.GetGatewaysAsync();

        Assert.Equal([2001, 2005], list.Select(uri => uri.ToIPEndPoint()!.Port).Order());
    }

    [Fact]
    public async Task CleanupRemovesOnlyDeadSilosOlderThanTheCutoffWithNoRecentVote()
    {
        var (table, _, _) = await NewTableAsync();
        var cutoff = Origin.AddHours(1);
        var voter = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 5000), 1);
        var rows = new (int Port, SiloStatus Status, DateTime Time, DateTime? Vote)[]
        {
            (1001, SiloStatus.Dead, Origin, Origin.AddMinutes(5)),   // old, old vote: goes
            (1002, SiloStatus.Dead, Origin, null),                    // old, never suspected (clean stop): goes
            (1003, SiloStatus.Dead, Origin, cutoff.AddMinutes(1)),   // declared dead after the cutoff: stays
            (1004, SiloStatus.Dead, cutoff.AddMinutes(1), null),     // died recently: stays
            (1005, SiloStatus.Active, Origin, null),                  // alive, however old its heartbeat: stays
        };
        foreach (var (port, status, time, vote) in rows)
        {
            var entry = Entry(port, status, time);
            if (vote is { } voted)
            {
                entry.AddOrUpdateSuspector(voter, voted, maxVotes: 3);
            }

            Assert.True(await table.InsertRowAsync(entry, await NextVersion(table)));
            if (vote is not null)
            {
                // InsertRow does not store votes; the provider records them with an update.
                var (stored, etag) = (await table.ReadRowAsync(entry.SiloAddress)).Members.Single();
                stored.SuspectTimes = entry.SuspectTimes;
                Assert.True(await table.UpdateRowAsync(stored, etag, await NextVersion(table)));
            }
        }

        await table.CleanupDefunctSiloEntriesAsync(new DateTimeOffset(cutoff));

        var left = (await table.ReadAllAsync()).Members.Select(m => m.Item1.SiloAddress.Endpoint.Port).Order();
        Assert.Equal([1003, 1004, 1005], left);
    }

    [Fact]
    public async Task TheBulkCleanupQueryRemovesEveryNonActiveSiloOlderThanTheCutoff()
    {
        // Older 10.x providers only know CleanupDefunctSiloEntriesKey; run it the way they do.
        var (table, connectionString, clusterId) = await NewTableAsync();
        foreach (var (port, status, time) in new[] { (1001, SiloStatus.Dead, Origin), (1002, SiloStatus.Joining, Origin), (1003, SiloStatus.Active, Origin), (1004, SiloStatus.Dead, Origin.AddHours(2)) })
        {
            Assert.True(await table.InsertRowAsync(Entry(port, status, time), await NextVersion(table)));
        }

        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            string query;
            await using (var read = new NpgsqlCommand("SELECT QueryText FROM OrleansQuery WHERE QueryKey = 'CleanupDefunctSiloEntriesKey'", connection))
            {
                query = (string)(await read.ExecuteScalarAsync())!;
            }

            await using var cleanup = new NpgsqlCommand(query, connection);
            cleanup.Parameters.AddWithValue("DeploymentId", clusterId);
            cleanup.Parameters.AddWithValue("IAmAliveTime", Origin.AddHours(1));
            await cleanup.ExecuteNonQueryAsync();
        }

        var left = (await table.ReadAllAsync()).Members.Select(m => m.Item1.SiloAddress.Endpoint.Port).Order();
        Assert.Equal([1003, 1004], left);
    }

    [Fact]
    public async Task DeletingAClusterLeavesOtherClustersAlone()
    {
        var (table, connectionString, clusterId) = await NewTableAsync();
        Assert.True(await table.InsertRowAsync(Entry(1001, SiloStatus.Active, Origin), await NextVersion(table)));
        var other = new AdoNetClusteringTable(
            new ServiceCollection().BuildServiceProvider(),
            Options.Create(new ClusterOptions { ClusterId = clusterId + "-other", ServiceId = "laevitas" }),
            Options.Create(new AdoNetClusteringSiloOptions { Invariant = ClusteringOptions.AdoNetInvariant, ConnectionString = connectionString }),
            NullLogger<AdoNetClusteringTable>.Instance);
        await other.InitializeMembershipTableAsync(tryInitTableVersion: true);
        Assert.True(await other.InsertRowAsync(Entry(1001, SiloStatus.Active, Origin), await NextVersion(other)));

        await table.DeleteMembershipTableEntriesAsync(clusterId);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT deployment_id, count(*) FROM orleans_membership GROUP BY 1", connection);
        await using var reader = await count.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(clusterId + "-other", reader.GetString(0));
        Assert.Equal(1, reader.GetInt64(1));
        Assert.False(await reader.ReadAsync());
    }
}
