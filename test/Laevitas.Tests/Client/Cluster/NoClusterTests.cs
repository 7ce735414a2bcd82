using Laevitas.Testing;
using System.Diagnostics;
using Laevitas.Client.Cli;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Client.Cluster;

/// <summary>Without a reachable cluster every command fails quickly with exit code 4 and says what it tried.</summary>
public sealed class NoClusterTests
{
    [Theory]
    [InlineData("instruments")]
    [InlineData("stats")]
    [InlineData("show", "BTC-PERPETUAL")]
    [InlineData("history", "BTC-PERPETUAL")]
    [InlineData("watch", "BTC-PERPETUAL")]
    public async Task ExplicitGatewayNobodyListensOn(params string[] command)
    {
        var port = FreePorts.Take(1)[0];
        var stopwatch = Stopwatch.StartNew();
        var run = await CliRun.RunAsync(new Dictionary<string, string?>(), [.. command, "--gateway", $"127.0.0.1:{port}", "--timeout", "3", "--json"]);
        Assert.True(run.ExitCode == ExitCodes.NoCluster, run.ToString());
        Assert.Contains($"No Laevitas cluster reachable (gateway 127.0.0.1:{port})", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task ConfiguredLocalhostGatewayNobodyListensOn()
    {
        var port = FreePorts.Take(1)[0];
        var run = await CliRun.RunAsync(new Dictionary<string, string?> { ["Orleans:GatewayPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) }, "stats", "--timeout", "2");
        Assert.True(run.ExitCode == ExitCodes.NoCluster, run.ToString());
        Assert.Contains($"localhost gateway port {port}", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SilentGatewayTimesOutInsteadOfHanging()
    {
        // A loopback listener that accepts connections and never answers the Orleans handshake.
        await using var silent = new SilentTcpServer();
        var stopwatch = Stopwatch.StartNew();
        var run = await CliRun.RunAsync(new Dictionary<string, string?>(), "stats", "--gateway", $"127.0.0.1:{silent.Port}", "--timeout", "2");
        var elapsed = stopwatch.Elapsed;

        Assert.True(run.ExitCode == ExitCodes.NoCluster, run.ToString());
        Assert.Contains("No Laevitas cluster reachable", run.Error, StringComparison.Ordinal);
        Assert.True(elapsed < TimeSpan.FromSeconds(8), $"took {elapsed}");
    }

    [Theory]
    [InlineData("not-a-gateway", "is not host:port")]
    [InlineData("127.0.0.1:99999", "is not host:port")]
    public async Task MalformedGatewayIsAUsageError(string gateway, string message)
    {
        var run = await CliRun.RunAsync(new Dictionary<string, string?>(), "stats", "--gateway", gateway);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
    }
}
