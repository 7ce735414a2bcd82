namespace Laevitas.Silo.Metrics;

/// <summary>Says once, at start, where metrics and traces are pushed, so a silent collector is easy to suspect.</summary>
internal sealed partial class OtlpExportAnnouncer(string destination, ILogger<OtlpExportAnnouncer> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogExporting(logger, destination);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 5301, Level = LogLevel.Information, Message = "OTLP export of metrics and Orleans traces to {Destination}")]
    private static partial void LogExporting(ILogger logger, string destination);
}
