using Laevitas.Streaming.Kafka.Hosting;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Laevitas.Tests.Streaming;

public class KafkaStreamLoggingTests
{
    /// <summary>
    /// The pulling agent's "Stream cache is under pressure. Backing off." (Information, every poll of every queue
    /// while a writer lags: thousands of lines per bench run) does not reach the log; its warnings still do, and
    /// other providers' categories keep their level.
    /// </summary>
    [Fact]
    public void ThePullingAgentLogsOnlyWarningsAndAbove()
    {
        var capture = new CapturingLoggerProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddProvider(capture);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering();
            silo.AddKafkaStreams("ticks");
        });
        using var host = builder.Build();
        var loggers = host.Services.GetRequiredService<ILoggerFactory>();

        // The category Orleans' PersistentStreamPullingAgent logs under: "{its namespace}.{provider}".
        var agent = loggers.CreateLogger("Orleans.Streams.ticks");
        agent.LogInformation("Stream cache is under pressure. Backing off.");
        agent.LogWarning("a warning");
        loggers.CreateLogger("Orleans.Streams.other").LogInformation("another provider");

        Assert.Equal(
            [(LogLevel.Warning, "Orleans.Streams.ticks"), (LogLevel.Information, "Orleans.Streams.other")],
            capture.Entries.Select(entry => (entry.Level, entry.Category)));
    }
}
