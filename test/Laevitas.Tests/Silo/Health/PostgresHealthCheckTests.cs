using Laevitas.Silo.Health;
using Laevitas.Testing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Laevitas.Tests.Silo.Health;

/// <summary>The PostgreSQL probe against a server that accepts connections and answers nothing (a frozen one).</summary>
public sealed class PostgresHealthCheckTests
{
    [Fact]
    public async Task ASilentServerIsReportedWithoutAProbePerCallOrAWaitPastTheTimeout()
    {
        await using var silent = new SilentTcpServer();
        await using var dataSource = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={silent.Port};Username=u;Password=p;Database=d;Timeout=60;SSL Mode=Disable");
        var check = new PostgresHealthCheck(dataSource, TimeProvider.System);
        var context = new HealthCheckContext
        {
            Registration = new HealthCheckRegistration("postgres", check, HealthStatus.Degraded, ["ready"]),
        };

        var first = await check.CheckHealthAsync(context).WaitAsync(PostgresHealthCheck.Timeout * 3);
        Assert.Equal(HealthStatus.Degraded, first.Status);
        Assert.Contains("did not answer within", first.Description, StringComparison.Ordinal);

        // Later probes report the statement still waiting rather than opening connections of their own.
        for (var i = 0; i < 3; i++)
        {
            var later = await check.CheckHealthAsync(context).WaitAsync(PostgresHealthCheck.Timeout);
            Assert.Equal(HealthStatus.Degraded, later.Status);
            Assert.Contains("has not answered an earlier SELECT 1", later.Description, StringComparison.Ordinal);
        }

        Assert.Equal(1, silent.Accepted);
    }
}
