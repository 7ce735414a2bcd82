using Laevitas.Grains.Abstractions.Clustering;
using Microsoft.Extensions.Configuration;

namespace Laevitas.Tests.Grains.Clustering;

public sealed class ClusteringOptionsTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();

    [Fact]
    public void EmptyConfigurationGivesASingleLocalSilo()
    {
        var options = ClusteringOptions.FromConfiguration(Config());

        Assert.Equal(ClusteringMode.Localhost, options.ClusteringMode);
        Assert.Equal(11111, options.SiloPort);
        Assert.Equal(30000, options.GatewayPort);
        Assert.Equal("laevitas", options.ClusterId);
        Assert.Equal("laevitas", options.ServiceId);
        Assert.Null(options.ParseAdvertisedIPAddress());
    }

    [Fact]
    public void KeysBindFromTheOrleansSectionCaseInsensitively()
    {
        var options = ClusteringOptions.FromConfiguration(Config(
            ("Orleans:ClusteringMode", "adonet"),
            ("Orleans:ClusterId", "blue"),
            ("Orleans:ServiceId", "svc"),
            ("Orleans:SiloPort", "21111"),
            ("Orleans:GatewayPort", "40000"),
            ("Orleans:AdvertisedIPAddress", "10.1.2.3"),
            ("ConnectionStrings:Postgres", "Host=db")));

        Assert.Equal(ClusteringMode.AdoNet, options.ClusteringMode);
        Assert.Equal("blue", options.ClusterId);
        Assert.Equal("svc", options.ServiceId);
        Assert.Equal(21111, options.SiloPort);
        Assert.Equal(40000, options.GatewayPort);
        Assert.Equal(System.Net.IPAddress.Parse("10.1.2.3"), options.ParseAdvertisedIPAddress());
    }

    [Theory]
    [InlineData("AdoNet")]
    [InlineData("Kubernetes")]
    public void SharedMembershipWithoutAConnectionStringIsRefusedWithTheKeyToSet(string mode)
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            ClusteringOptions.FromConfiguration(Config(("Orleans:ClusteringMode", mode))));

        Assert.Contains("ConnectionStrings:Postgres", error.Message);
        Assert.Contains(mode, error.Message);
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ClusteringOptions.FromConfiguration(Config(
            ("Orleans:ClusterId", " "),
            ("Orleans:SiloPort", "30000"),
            ("Orleans:GatewayPort", "30000"),
            ("Orleans:AdvertisedIPAddress", "not-an-ip"))));

        Assert.Contains("Orleans:ClusterId", error.Message);
        Assert.Contains("must differ", error.Message);
        Assert.Contains("Orleans:AdvertisedIPAddress", error.Message);
    }
}
