using Laevitas.Grains.History;
using Laevitas.Silo.Api;
using Laevitas.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Laevitas.Tests.Silo.Api.Authentication;

/// <summary>
/// The silo's real HTTP surface (<c>AddLaevitasApi</c> / <c>MapLaevitasApi</c>: API, OpenAPI, health, metrics, Orleans
/// dashboard) on a bare localhost silo with no PostgreSQL, Kafka or feed: what is checked here is who gets in, which
/// happens before any of those is reached.
/// </summary>
internal sealed class AuthenticatedSiloHost : IAsyncDisposable
{
    private AuthenticatedSiloHost(WebApplication app, CapturingLogs logs)
    {
        App = app;
        Logs = logs;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseAddress = new Uri(address.TrimEnd('/') + "/");
    }

    public WebApplication App { get; }

    public CapturingLogs Logs { get; }

    public Uri BaseAddress { get; }

    /// <summary>A client that neither follows redirects nor keeps cookies, so each test sees exactly what the silo answers.</summary>
    public HttpClient NewClient() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public static async Task<AuthenticatedSiloHost> StartAsync(string? keys)
    {
        var ports = FreePorts.Take(2);
        var clusterId = "auth-" + Guid.NewGuid().ToString("N")[..8];
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Test", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Api:Keys"] = keys,
            // As an operator who wants request logs would set it: the key must stay out of them all the same.
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Information",
        });
        var logs = new CapturingLogs();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddProvider(logs);
        builder.UseOrleans(silo => silo.UseLocalhostClustering(ports[0], ports[1], serviceId: clusterId, clusterId: clusterId));
        // The history and export endpoints take these as services; a data source opens no connection until queried.
        builder.Services.AddSingleton(_ => Npgsql.NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Database=unused"));
        builder.Services.AddPriceHistory();
        builder.AddLaevitasApi();
        var app = builder.Build();
        app.MapLaevitasApi();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new AuthenticatedSiloHost(app, logs);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await App.StopAsync(timeout.Token);
        }
        finally
        {
            await App.DisposeAsync();
        }
    }
}
