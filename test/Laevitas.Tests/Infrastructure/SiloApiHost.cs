using Laevitas.Testing;
using Laevitas.Grains.Storage;
using Laevitas.Silo.Api;
using Laevitas.Silo.Clustering;
using Laevitas.Silo.Dispatch;
using Laevitas.Feed;
using Laevitas.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Laevitas.Tests.Infrastructure;

/// <summary>
/// The silo's WebApplication, wired as Program.cs wires it, on real Kestrel at 127.0.0.1:0 and free Orleans ports.
/// </summary>
public sealed class SiloApiHost : IAsyncDisposable
{
    private SiloApiHost(WebApplication app, int gatewayPort, string clusterId, CapturingLoggerProvider logs)
    {
        Logs = logs;
        App = app;
        GatewayPort = gatewayPort;
        ClusterId = clusterId;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseAddress = new Uri(address.TrimEnd('/') + "/");
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    /// <summary>Warnings and errors the silo logged, for failure messages.</summary>
    public CapturingLoggerProvider Logs { get; }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public int GatewayPort { get; }

    public string ClusterId { get; }

    public IGrainFactory Grains => App.Services.GetRequiredService<IGrainFactory>();

    public FeedStatus Feed => App.Services.GetRequiredService<FeedStatus>();

    public string SiloAddress => App.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString();

    /// <summary>Configuration a client needs to reach this silo through the shared clustering settings.</summary>
    public Dictionary<string, string?> ClientSettings() => new()
    {
        ["Orleans:ClusteringMode"] = "Localhost",
        ["Orleans:GatewayPort"] = GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Orleans:ClusterId"] = ClusterId,
        ["Orleans:ServiceId"] = ClusterId,
    };

    /// <param name="settings">Configuration on top of the test defaults.</param>
    /// <param name="configureServices">Runs after the silo's own registrations (a test replaces one of them).</param>
    public static async Task<SiloApiHost> StartAsync(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? configureServices = null)
    {
        var ports = FreePorts.Take(2);
        var clusterId = "api-" + Guid.NewGuid().ToString("N")[..8];
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Test", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Orleans:SiloPort"] = ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:ClusterId"] = clusterId,
            ["Orleans:ServiceId"] = clusterId,
            ["Stats:ReportInterval"] = "00:00:00.500",
            // The memory reclaimer's collection is blocking and process-wide: in this shared test process it stops every
            // test running beside this silo, where a silo runs alone in its process. (A feed test beside these silos once
            // waited over 7 s for 3 s worth of ticks; a likely cause, not a proven one.)
            ["Memory:ReclaimAfterLoad"] = "false",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        var logs = new CapturingLoggerProvider();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddProvider(logs);

        // As Program.cs, minus the local infrastructure (the fixtures provide PostgreSQL and Kafka).
        builder.AddLaevitasSilo();
        builder.AddDeribitFeed<GrainTickSink>();
        builder.AddTickDispatch();
        builder.AddInstrumentGrains();
        builder.AddKafkaTickStream();
        builder.AddTickWriter();
        builder.AddRetention();
        builder.AddSettlements();
        builder.AddPipelineStats();
        builder.AddLaevitasApi();
        configureServices?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapLaevitasApi();
        await app.StartAsync();
        return new SiloApiHost(app, ports[1], clusterId, logs);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
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
