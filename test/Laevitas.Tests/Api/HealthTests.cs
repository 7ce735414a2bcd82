using Laevitas.Testing;
using System.Net;
using System.Text.Json;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Api;

/// <summary>Liveness and readiness probes, including readiness following PostgreSQL down and back.</summary>
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
    public async Task ReadinessTurnsFalseWhilePostgresIsDownAndTrueWhenItReturns()
    {
        var silo = await environment.SiloAsync();
        await WaitForAsync(silo, HttpStatusCode.OK, "ready before the outage");
        var (_, ready) = await GetAsync(silo, "health/ready");
        Assert.Equal(["orleans", "postgres", "kafka", "feed"], ready.RootElement.GetProperty("checks").EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Empty(ready.RootElement.GetProperty("failed").EnumerateArray());

        await environment.Postgres.StopAsync();
        try
        {
            var down = await WaitForAsync(silo, HttpStatusCode.ServiceUnavailable, "not ready while PostgreSQL is stopped");
            Assert.Equal("Unhealthy", down.RootElement.GetProperty("status").GetString());
            Assert.Equal(new string?[] { "postgres" }, down.RootElement.GetProperty("failed").EnumerateArray().Select(e => e.GetString()).ToArray());
            var postgres = down.RootElement.GetProperty("checks").GetProperty("postgres");
            Assert.Equal("Unhealthy", postgres.GetProperty("status").GetString());
            Assert.Contains("PostgreSQL", postgres.GetProperty("description").GetString(), StringComparison.Ordinal);
            Assert.Equal("Healthy", down.RootElement.GetProperty("checks").GetProperty("kafka").GetProperty("status").GetString());

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

        var back = await WaitForAsync(silo, HttpStatusCode.OK, "ready again after PostgreSQL restarted");
        Assert.Equal("Healthy", back.RootElement.GetProperty("checks").GetProperty("postgres").GetProperty("status").GetString());
    }

    private static async Task<JsonDocument> WaitForAsync(SiloApiHost silo, HttpStatusCode expected, string what)
    {
        JsonDocument? last = null;
        HttpStatusCode lastStatus = 0;
        await Eventually.TrueAsync(async () =>
            {
                (lastStatus, last) = await GetAsync(silo, "health/ready");
                return lastStatus == expected;
            },
            Timeout, what, () => $"{(int)lastStatus} {last?.RootElement}");
        return last!;
    }

    private static async Task<(HttpStatusCode Status, JsonDocument Body)> GetAsync(SiloApiHost silo, string path)
    {
        using var response = await silo.Http.GetAsync(path);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()));
    }
}
