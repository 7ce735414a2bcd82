using Laevitas.Grains.Abstractions.Clustering;
using Laevitas.Silo.Clustering;
using Laevitas.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Laevitas.Tests.Silo.Clustering;

/// <summary>
/// With <c>Orleans:Tls</c> set, the silo and gateway ports are mutual TLS: a client or silo holding a certificate of the
/// cluster's CA joins; one without TLS, or with a certificate of another CA, does not. Real sockets on loopback.
/// </summary>
public sealed class OrleansTlsClusterTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TestCertificates cluster = new("cluster");
    private readonly TestCertificates stranger = new("stranger");
    private readonly string clusterId = "tls-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task AClientWithTheClustersCertificateJoinsAndOneWithoutOrFromAnotherCaCannot()
    {
        var ports = FreePorts.Take(2);
        await using var silo = await StartSiloAsync(cluster.Settings("silo-1"), ports[0], ports[1], primary: null);

        // With the cluster's certificate: connected, and a call reaches the silo.
        await using (var client = await StartClientAsync(cluster.Settings("client"), ports[1]))
        {
            var hosts = await client.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            Assert.Single(hosts);
        }

        // Without TLS, and with a certificate another CA issued: the gateway refuses the connection.
        await Assert.ThrowsAnyAsync<Exception>(async () => await (await StartClientAsync([], ports[1])).DisposeAsync());
        await Assert.ThrowsAnyAsync<Exception>(async () => await (await StartClientAsync(stranger.Settings("intruder"), ports[1])).DisposeAsync());
    }

    [Fact]
    public async Task ASiloWithTheClustersCertificateJoinsAndOneWithoutItCannot()
    {
        var ports = FreePorts.Take(6);
        await using var first = await StartSiloAsync(cluster.Settings("silo-1"), ports[0], ports[1], primary: null);
        var management = first.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        var primary = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, ports[0]);

        // No TLS: its connections to the first silo fail the handshake, so it never joins, and gives up.
        var intruder = StartSiloAsync([], ports[2], ports[3], primary, maxJoinAttempt: TimeSpan.FromSeconds(10));
        await Assert.ThrowsAnyAsync<Exception>(async () => await (await intruder).DisposeAsync());
        Assert.Single(await management.GetHosts(onlyActive: true));

        // With a certificate of the cluster's CA: joins, and the first silo sees two active members.
        await using var second = await StartSiloAsync(cluster.Settings("silo-2"), ports[4], ports[5], primary);
        var active = 0;
        await Eventually.TrueAsync(async () => (active = (await management.GetHosts(onlyActive: true)).Count) == 2,
            Timeout, "the second silo to be active in the first silo's view", () => $"{active} active");
    }

    [Fact]
    public void HalfATlsConfigurationIsRefused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => OrleansTlsOptions.FromConfiguration(Configuration(new() { ["Orleans:Tls:CaPath"] = cluster.CaPath })));
        Assert.Contains("CertificatePath", error.Message, StringComparison.Ordinal);
        var settings = cluster.Settings("no-ca");
        settings.Remove("Orleans:Tls:CaPath");
        Assert.Contains("CaPath is required", Assert.Throws<InvalidOperationException>(() => OrleansTlsOptions.FromConfiguration(Configuration(settings))).Message, StringComparison.Ordinal);
        settings["Orleans:Tls:CaPath"] = Path.Combine(cluster.Directory, "missing.crt");
        Assert.Contains("does not exist", Assert.Throws<InvalidOperationException>(() => OrleansTlsOptions.FromConfiguration(Configuration(settings))).Message, StringComparison.Ordinal);
        Assert.False(OrleansTlsOptions.FromConfiguration(Configuration([])).Enabled);
    }

    [Fact]
    public void OnlyCertificatesOfTheConfiguredCaAreTrusted()
    {
        var ours = OrleansTlsCertificates.Load(OrleansTlsOptions.FromConfiguration(Configuration(cluster.Settings("a"))));
        var theirs = OrleansTlsCertificates.Load(OrleansTlsOptions.FromConfiguration(Configuration(stranger.Settings("b"))));

        Assert.True(ours.IsTrusted(ours.Local));
        Assert.False(ours.IsTrusted(theirs.Local));
        Assert.False(theirs.IsTrusted(ours.Local));
    }

    public void Dispose()
    {
        cluster.Dispose();
        stranger.Dispose();
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private async Task<AsyncHost> StartSiloAsync(Dictionary<string, string?> tls, int siloPort, int gatewayPort, System.Net.IPEndPoint? primary, TimeSpan? maxJoinAttempt = null)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(tls);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, primary, serviceId: clusterId, clusterId: clusterId);
            silo.UseLaevitasTls(builder.Configuration);
            if (maxJoinAttempt is { } limit)
            {
                silo.Configure<ClusterMembershipOptions>(membership => membership.MaxJoinAttemptTime = limit);
            }
        });
        return await AsyncHost.StartAsync(builder.Build(), Timeout);
    }

    private async Task<AsyncHost> StartClientAsync(Dictionary<string, string?> tls, int gatewayPort)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(tls);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orleans:ClusteringMode"] = "Localhost",
            ["Orleans:GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:ClusterId"] = clusterId,
            ["Orleans:ServiceId"] = clusterId,
        });
        builder.UseOrleansClient(client => client.UseLaevitasClustering(builder.Configuration));
        return await AsyncHost.StartAsync(builder.Build(), TimeSpan.FromSeconds(20));
    }
}
