using Laevitas.Testing;
using System.Net;
using System.Text.Json;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Silo.Health;

/// <summary>Liveness and readiness probes; a PostgreSQL outage shows as degraded and does not fail readiness.</summary>
[Collection(ApiCollection.Name)]
public sealed class HealthTests(ApiEnvironment environment)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task LiveIsAlwaysHealthy()
    {
        var silo = await environment.SiloAsync();
        var (status, body) = await GetAsync(silo, "health/live");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal(["self"], body.RootElement.GetProperty("checks").EnumerateObject().Select(p => p.Name).ToArray());
    }

    [Fact]
    public async Task ReadinessStaysTrueButDegradedWhilePostgresIsDown()
    {
        var silo = await environment.SiloAsync();
        await WaitForStatusAsync(silo, "Healthy", "ready and healthy before the outage");
        var (_, ready) = await GetAsync(silo, "health/ready");
        Assert.Equal(["orleans", "postgres", "kafka", "feed"], ready.RootElement.GetProperty("checks").EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Empty(ready.RootElement.GetProperty("failed").EnumerateArray());
        Assert.Empty(ready.RootElement.GetProperty("degraded").EnumerateArray());

        await environment.Postgres.StopAsync();
        try
        {
            // A database outage must not take every pod out of the Service: still 200, the outage named as degraded.
            var down = await WaitForStatusAsync(silo, "Degraded", "readiness to report PostgreSQL as degraded while it is stopped");
            Assert.Equal(HttpStatusCode.OK, down.Status);
            Assert.Empty(down.Body.RootElement.GetProperty("failed").EnumerateArray());
            Assert.Equal(new string?[] { "postgres" }, down.Body.RootElement.GetProperty("degraded").EnumerateArray().Select(e => e.GetString()).ToArray());
            var postgres = down.Body.RootElement.GetProperty("checks").GetProperty("postgres");
            Assert.Equal("Degraded", postgres.GetProperty("status").GetString());
            Assert.Contains("PostgreSQL", postgres.GetProperty("description").GetString(), StringComparison.Ordinal);
            Assert.Equal("Healthy", down.Body.RootElement.GetProperty("checks").GetProperty("kafka").GetProperty("status").GetString());
            Assert.Equal("Healthy", down.Body.RootElement.GetProperty("checks").GetProperty("orleans").GetProperty("status").GetString());

            // Meanwhile the history endpoint says the storage is unavailable.
            using var history = await silo.Http.GetAsync("api/instruments/BTC-PERPETUAL/history");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, history.StatusCode);
            Assert.Equal("application/problem+json", history.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await history.Content.ReadAsStringAsync());
            Assert.Equal("Storage unavailable", problem.RootElement.GetProperty("title").GetString());
        }
        finally
        {
            await environment.Postgres.StartAsync();
        }

        var back = (await WaitForStatusAsync(silo, "Healthy", "healthy again after PostgreSQL restarted")).Body;
        Assert.Equal("Healthy", back.RootElement.GetProperty("checks").GetProperty("postgres").GetProperty("status").GetString());
    }

    private static async Task<(HttpStatusCode Status, JsonDocument Body)> WaitForStatusAsync(SiloApiHost silo, string expected, string what)
    {
        (HttpStatusCode Status, JsonDocument Body) last = default;
        await Eventually.TrueAsync(async () =>
            {
                last = await GetAsync(silo, "health/ready");
                return last.Body.RootElement.GetProperty("status").GetString() == expected;
            },
            Timeout, what, () => $"{(int)last.Status} {last.Body?.RootElement}");
        return last;
    }

    private static async Task<(HttpStatusCode Status, JsonDocument Body)> GetAsync(SiloApiHost silo, string path)
    {
        using var response = await silo.Http.GetAsync(path);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()));
    }
}
