using Laevitas.Testing;
using System.Net;
using System.Net.Sockets;
using Laevitas.Grains.Abstractions.Clustering;
using Laevitas.Silo.Clustering;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Messaging;
using Orleans.Runtime;
using Orleans.Runtime.Membership;

namespace Laevitas.Tests.Silo.Clustering;

/// <summary>
/// Two silos wired with the same UseLaevitasClustering call as Program.cs (Orleans:ClusteringMode=AdoNet) form one cluster
/// through the Postgres membership table (applying its schema on an empty database first), and a client wired with the
/// client-side UseLaevitasClustering finds them.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresClusterTests(PostgresFixture postgres)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private const int Active = (int)SiloStatus.Active;
    private const int Dead = (int)SiloStatus.Dead;

    [Fact]
    public async Task TwoSilosFormOneClusterAClientFindsThemAndAStoppedSiloIsDeclaredDeadThenCleanedUp()
    {
        // Empty on purpose: the silos must apply the membership schema themselves before they join.
        var connectionString = await ClusteringDatabase.CreateEmptyAsync(postgres);
        var clusterId = "two-silos-" + Guid.NewGuid().ToString("N")[..8];
        var ports = FreePorts(4);
        var settings = new Dictionary<string, string?>
        {
            ["Orleans:ClusteringMode"] = nameof(ClusteringMode.AdoNet),
            ["Orleans:ClusterId"] = clusterId,
            ["Orleans:AdvertisedIPAddress"] = IPAddress.Loopback.ToString(),
            ["ConnectionStrings:Postgres"] = connectionString,
        };

        using var first = await StartSiloAsync(settings, ports[0], ports[1]);
        using var second = await StartSiloAsync(settings, ports[2], ports[3]);
        await Eventually.TrueAsync(
            async () => (await ReadMembershipAsync(connectionString, clusterId)).Count(m => m.Status == Active) == 2,
            Timeout, "both silos Active in the membership table",
            () => Describe(ReadMembershipAsync(connectionString, clusterId)));

        using var client = await StartClientAsync(settings);
        var gateways = client.Services.GetRequiredService<IGatewayListProvider>();
        Assert.IsType<AdoNetGatewayListProvider>(gateways);
        Assert.Equal(new[] { ports[1], ports[3] }.Order(), (await gateways.GetGateways()).Select(uri => uri.ToIPEndPoint()!.Port).Order());
        var management = client.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);
        Assert.Equal(2, (await management.GetHosts(onlyActive: true)).Count);

        await second.StopAsync();

        await Eventually.TrueAsync(
            async () => (await ReadMembershipAsync(connectionString, clusterId)).Any(m => m.Port == ports[2] && m.Status == Dead),
            Timeout, "the stopped silo marked Dead",
            () => Describe(ReadMembershipAsync(connectionString, clusterId)));
        Assert.Contains(await ReadMembershipAsync(connectionString, clusterId), m => m.Port == ports[0] && m.Status == Active);
        // The client is still served by the remaining silo.
        await Eventually.TrueAsync(async () => (await management.GetHosts(onlyActive: true)).Count == 1, Timeout, "one active host seen through the client");

        // Cleanup is Orleans' job (first active silo, on a period); run it now through the survivor's own provider,
        // with a cut-off after the death, as the cleanup agent would once the entry has expired.
        var table = first.Services.GetRequiredService<IMembershipTable>();
        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddSeconds(1));

        var left = await ReadMembershipAsync(connectionString, clusterId);
        var survivor = Assert.Single(left);
        Assert.Equal((ports[0], Active), (survivor.Port, survivor.Status));

        await client.StopAsync();
        await first.StopAsync();
    }

    private static async Task<IHost> StartSiloAsync(Dictionary<string, string?> settings, int siloPort, int gatewayPort)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orleans:SiloPort"] = siloPort.ToString(),
            ["Orleans:GatewayPort"] = gatewayPort.ToString(),
        });
        builder.UseOrleans(silo =>
        {
            silo.UseLaevitasClustering(builder.Configuration);
            // The test runs the cleanup itself, after it has seen the Dead row.
            silo.Configure<ClusterMembershipOptions>(membership =>
            {
                membership.DefunctSiloCleanupPeriod = null;
                membership.MaxDefunctSiloEntries = null;
            });
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task<IHost> StartClientAsync(Dictionary<string, string?> settings)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.UseOrleansClient(client => client.UseLaevitasClustering(builder.Configuration));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task<List<(int Port, int Status)>> ReadMembershipAsync(string connectionString, string clusterId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT port, status FROM orleans_membership WHERE deployment_id = @cluster ORDER BY port", connection);
        command.Parameters.AddWithValue("cluster", clusterId);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(int, int)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt32(0), reader.GetInt32(1)));
        }

        return rows;
    }

    private static string Describe(Task<List<(int Port, int Status)>> rows) =>
        string.Join(", ", rows.GetAwaiter().GetResult().Select(r => $"{r.Port}:{(SiloStatus)r.Status}"));

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}
