using Laevitas.Silo.FeedPlacement;
using Laevitas.Feed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Laevitas.Tests.Infrastructure;

/// <summary>
/// Runs the real feed (AddDeribitFeed, hosted) against a URL with a collecting sink and captured logs.
/// Delays are shortened for tests; limits (chunk size, pacing, heartbeat ≥ 10 s) keep their real meaning.
/// </summary>
public sealed class FeedHarness : IAsyncDisposable
{
    private readonly IHost host;

    private FeedHarness(IHost host, CollectingTickSink sink, CapturingLoggerProvider logs)
    {
        this.host = host;
        Sink = sink;
        Logs = logs;
        Status = host.Services.GetRequiredService<FeedStatus>();
    }

    public CollectingTickSink Sink { get; }

    public CapturingLoggerProvider Logs { get; }

    public FeedStatus Status { get; }

    public IServiceProvider Services => host.Services;

    public static Dictionary<string, string?> FastSettings(string url) => new()
    {
        ["Deribit:Url"] = url,
        ["Deribit:HeartbeatIntervalSeconds"] = "10",
        ["Deribit:DeadLinkMarginSeconds"] = "1",
        ["Deribit:ReconnectMinDelaySeconds"] = "0.05",
        ["Deribit:ReconnectMaxDelaySeconds"] = "0.5",
        ["Deribit:RateLimitBackoffSeconds"] = "0.5",
        ["Deribit:CircuitBreakerFailureThreshold"] = "3",
        ["Deribit:CircuitBreakerOpenSeconds"] = "1",
        ["Deribit:ConnectTimeoutSeconds"] = "3",
        ["Deribit:RequestTimeoutSeconds"] = "5",
        ["Deribit:DiscoveryCallsPerSecond"] = "20",
        // Ticker channels only: the feed tests count channels and connections per instrument. The trades channels
        // (on by default) are tested where they are turned on: DeribitFeedTradesTests and the trades end-to-end test.
        ["Deribit:Trades"] = "false",
        // Likewise the instrument.state channels (on by default): DeribitFeedListingTests turns them on.
        ["Deribit:InstrumentStateChannel"] = "false",
        // Likewise the index channels (on by default): DeribitFeedIndexTests and the index end-to-end test turn them on.
        ["Deribit:IndexChannels"] = "false",
    };

    public static async Task<FeedHarness> StartAsync(Dictionary<string, string?> settings)
    {
        var sink = new CollectingTickSink();
        var logs = new CapturingLoggerProvider();
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(logs);
        builder.Services.AddDeribitFeed(builder.Configuration, _ => sink);
        var host = builder.Build();
        await host.StartAsync();
        return new FeedHarness(host, sink, logs);
    }

    public string LogText(LogLevel atLeast = LogLevel.Warning) =>
        string.Join(Environment.NewLine, Logs.Entries.Where(e => e.Level >= atLeast).Select(e => $"{e.Level}: {e.Message}"));

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await host.StopAsync(timeout.Token);
        host.Dispose();
    }
}
