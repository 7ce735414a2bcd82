using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Laevitas.Tests.Silo.Api.Authentication;

/// <summary>
/// With <c>Api:Keys</c> set, the silo's HTTP surface asks for a key everywhere but the probes and the scrape: refused
/// requests get 401 problem+json with a Bearer challenge and are counted; either configured key opens it; a browser
/// gets into the dashboard with the key in the query once, then a dashboard-only cookie.
/// </summary>
public sealed class ApiKeyAuthenticationTests(ProtectedSiloFixture fixture) : IClassFixture<ProtectedSiloFixture>
{
    private const string WrongKey = "wrong-key-0123456789abcdef";

    private AuthenticatedSiloHost Silo => fixture.Silo;

    public static TheoryData<string> ProtectedPaths => new() { "api/instruments", "api/stats", "openapi/v1.json", "dashboard/", "dashboard", "" };

    [Theory]
    [MemberData(nameof(ProtectedPaths))]
    public async Task ARequestWithoutAKeyIsRefusedWith401ProblemJsonAndABearerChallenge(string path)
    {
        using var http = Silo.NewClient();
        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Equal("realm=\"laevitas\"", challenge.Parameter);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(401, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("API key required", problem.RootElement.GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("bearer")]
    [InlineData("header")]
    public async Task AWrongKeyIsRefusedWith401InvalidToken(string how)
    {
        using var http = Silo.NewClient();
        using var request = Request("openapi/v1.json", how, WrongKey);
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("realm=\"laevitas\", error=\"invalid_token\"", Assert.Single(response.Headers.WwwAuthenticate).Parameter);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Invalid API key", problem.RootElement.GetProperty("title").GetString());
        Assert.DoesNotContain(WrongKey, problem.RootElement.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bearer", ProtectedSiloFixture.FirstKey)]
    [InlineData("header", ProtectedSiloFixture.FirstKey)]
    [InlineData("bearer", ProtectedSiloFixture.SecondKey)]
    [InlineData("header", ProtectedSiloFixture.SecondKey)]
    public async Task EitherConfiguredKeyIsAcceptedAsABearerTokenOrAnXApiKeyHeader(string how, string key)
    {
        using var http = Silo.NewClient();
        using var openApi = await http.SendAsync(Request("openapi/v1.json", how, key));
        using var dashboard = await http.SendAsync(Request("dashboard/", how, key));

        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        Assert.Contains("\"Laevitas\"", await openApi.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Equal("text/html", dashboard.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task HealthProbesAndMetricsStayOpenWithoutAKey()
    {
        using var http = Silo.NewClient();
        using var live = await http.GetAsync("health/live");
        using var ready = await http.GetAsync("health/ready");
        using var metrics = await http.GetAsync("metrics");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        // Readiness answers from its checks (this bare silo lacks the PostgreSQL and Kafka ones), never from authentication.
        Assert.NotEqual(HttpStatusCode.Unauthorized, ready.StatusCode);
        Assert.Empty(ready.Headers.WwwAuthenticate);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("# TYPE", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABrowserGetsIntoTheDashboardWithTheKeyInTheQueryOnceThenADashboardOnlyCookie()
    {
        using var http = Silo.NewClient();
        using var exchange = await http.GetAsync($"dashboard/?api_key={ProtectedSiloFixture.SecondKey}&tab=grains");

        // The key leaves the address bar at once: a redirect to the same page without it, and the key in a cookie.
        Assert.Equal(HttpStatusCode.Redirect, exchange.StatusCode);
        Assert.Equal("/dashboard/?tab=grains", exchange.Headers.Location?.OriginalString);
        var setCookie = Assert.Single(exchange.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("laevitas_api_key=", setCookie, StringComparison.Ordinal);
        Assert.Contains("path=/dashboard", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        var cookie = setCookie.Split(';')[0];

        using var page = await http.SendAsync(WithCookie("dashboard/", cookie));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        // The cookie opens the dashboard only: the API still wants a header.
        using var api = await http.SendAsync(WithCookie("openapi/v1.json", cookie));
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        // A wrong key in the query sets nothing.
        using var wrong = await http.GetAsync($"dashboard/?api_key={WrongKey}");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.False(wrong.Headers.Contains("Set-Cookie"));
        using var wrongCookie = await http.SendAsync(WithCookie("dashboard/", $"laevitas_api_key={WrongKey}"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongCookie.StatusCode);
    }

    [Fact]
    public async Task RefusedRequestsAreCountedByReason()
    {
        var factory = Silo.App.Services.GetRequiredService<IMeterFactory>();
        var counted = new Dictionary<string, long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == "laevitas.api.auth_failures")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            lock (counted)
            {
                var reason = (string)tags.ToArray().Single(t => t.Key == "reason").Value!;
                counted[reason] = counted.GetValueOrDefault(reason) + value;
            }
        });
        listener.Start();

        using var http = Silo.NewClient();
        (await http.GetAsync("api/stats")).Dispose();
        (await http.GetAsync("api/stats")).Dispose();
        (await http.SendAsync(Request("api/stats", "header", WrongKey))).Dispose();
        (await http.SendAsync(Request("openapi/v1.json", "header", ProtectedSiloFixture.FirstKey))).Dispose();
        (await http.GetAsync("health/live")).Dispose();

        lock (counted)
        {
            Assert.Equal(2, counted.GetValueOrDefault("missing"));
            Assert.Equal(1, counted.GetValueOrDefault("invalid"));
            Assert.Equal(2, counted.Count);
        }
    }

    [Fact]
    public async Task TheSiloSaysAtStartThatTheApiIsProtectedAndNeverLogsAKey()
    {
        // The dashboard sign-in puts the key in the URL, which ASP.NET Core's request log would print whole.
        using (var http = Silo.NewClient())
        {
            using var signIn = await http.GetAsync($"dashboard/?api_key={ProtectedSiloFixture.SecondKey}");
            Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
            using var live = await http.GetAsync("health/live");
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        var said = Silo.Logs.Entries.Select(e => e.Message).ToList();

        // ASP.NET Core's Information lines are on in this host (the routing layer's are there), so a request line
        // that printed the URL would be caught below.
        Assert.Contains(said, m => m.StartsWith("Executed endpoint", StringComparison.Ordinal));
        Assert.Contains(said, m => m.StartsWith("HTTP API protected", StringComparison.Ordinal) && m.Contains("2 API key(s)", StringComparison.Ordinal));
        Assert.DoesNotContain(said, m => m.Contains("NOT protected", StringComparison.Ordinal));
        Assert.DoesNotContain(said, m => m.Contains(ProtectedSiloFixture.FirstKey, StringComparison.Ordinal) || m.Contains(ProtectedSiloFixture.SecondKey, StringComparison.Ordinal));
    }

    private static HttpRequestMessage Request(string path, string how, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (how == "bearer")
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        else
        {
            request.Headers.Add("X-Api-Key", key);
        }

        return request;
    }

    private static HttpRequestMessage WithCookie(string path, string cookie)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        return request;
    }
}
