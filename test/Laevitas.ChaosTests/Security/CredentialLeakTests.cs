using Laevitas.ChaosTests.Infrastructure;
using Xunit.Abstractions;

namespace Laevitas.ChaosTests.Security;

/// <summary>
/// The silos run with Deribit__ClientSecret in their environment and authenticate on every (re)connection: the secret
/// must never appear in anything they write — across every incarnation of every silo this run has started.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class CredentialLeakTests(ChaosCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task NoCredentialAppearsInTheSiloLogs()
    {
        // At least one authenticated session, so the secret has certainly been used.
        await cluster.WaitForLeaderAsync();
        Assert.Contains(cluster.Simulator.Connections, c => c.IsAuthenticated);

        var files = Directory.GetFiles(cluster.LogDirectory, "*.log");
        Assert.NotEmpty(files);
        long bytes = 0;
        foreach (var file in files)
        {
            var text = await File.ReadAllTextAsync(file);
            bytes += text.Length;
            Assert.DoesNotContain(cluster.ClientSecret, text, StringComparison.Ordinal);
            // Nor a recognisable part of it (a truncated or differently quoted copy).
            Assert.DoesNotContain(cluster.ClientSecret[^16..], text, StringComparison.Ordinal);
        }

        output.WriteLine($"{files.Length} log files, {bytes:N0} characters, no trace of the client secret");
    }
}
