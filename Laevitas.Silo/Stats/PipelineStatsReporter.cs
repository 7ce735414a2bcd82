using Laevitas.Grains.Abstractions.Stats;
using Laevitas.Grains.Instruments;
using Laevitas.Grains.Publishing;
using Laevitas.Streaming.Kafka.Providers;
using Laevitas.Grains.Writing;
using Laevitas.Silo.Dispatch;
using Laevitas.Feed;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Stats;

/// <summary>
/// Every <see cref="PipelineStatsOptions.ReportInterval"/>, samples this silo's feed, publisher and writer counters and
/// reports them to <see cref="IPipelineStatsGrain"/>, which answers for the whole cluster. Runs while the silo is
/// active; a failed report is logged once per outage and retried on the next tick.
/// </summary>
internal sealed partial class PipelineStatsReporter(
    IServiceProvider services,
    IGrainFactory grains,
    ILocalSiloDetails silo,
    IOptions<PipelineStatsOptions> options,
    TimeProvider time,
    ILogger<PipelineStatsReporter> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource stopping = new();
    private readonly FeedStatus? feed = services.GetService<FeedStatus>();
    private readonly GrainTickSink? dispatch = services.GetService<GrainTickSink>();
    private readonly KafkaTickPublisher? publisher = services.GetService<KafkaTickPublisher>();
    private readonly KafkaTradePublisher? tradePublisher = services.GetService<KafkaTradePublisher>();
    private readonly TickWriterStatus? writer = services.GetService<TickWriterStatus>();
    private readonly KafkaStreamStatus? stream = services.GetService<KafkaStreamStatus>();
    private readonly InstrumentAcceptStatus? accept = services.GetService<InstrumentAcceptStatus>();
    private readonly Settlements.SettlementStatus? settlements = services.GetService<Settlements.SettlementStatus>();
    private Task loop = Task.CompletedTask;
    private Sample? previous;
    private bool failing;
    private DateTimeOffset lastStatusLine = DateTimeOffset.MinValue;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(PipelineStatsReporter), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    public void Dispose() => stopping.Dispose();

    /// <summary>This silo's counters now (rates against the previous call's sample).</summary>
    internal SiloPipelineStats Collect()
    {
        var now = time.GetUtcNow();
        var feedStatus = feed?.Snapshot();
        var dispatchStatus = dispatch?.GetStatus();
        var publisherStatus = publisher?.GetStatus();
        var writerStatus = writer?.Snapshot();
        var tradePublisherStatus = tradePublisher?.GetStatus();
        var current = new Sample(now, feedStatus?.TicksReceived, publisherStatus?.Published, writerStatus?.RowsWritten);
        var interval = previous is { } p ? (now - p.At).TotalSeconds : 0;

        (string? Error, DateTimeOffset? At, string? Source) lastError = (null, null, null);
        Consider(ref lastError, feedStatus?.LastError, feedStatus?.LastErrorAt, "feed");
        Consider(ref lastError, publisherStatus?.LastError, publisherStatus?.LastErrorAt, "publisher");
        Consider(ref lastError, writerStatus?.LastError, writerStatus?.LastErrorAt, "writer");
        var settlementStatus = settlements?.Snapshot();
        Consider(ref lastError, settlementStatus?.LastError, settlementStatus?.LastErrorAt, "settlements");

        var stats = new SiloPipelineStats
        {
            Silo = silo.SiloAddress.ToString(),
            HostName = Environment.MachineName,
            ReportedAt = now,
            IntervalSeconds = Math.Round(interval, 3),
            FeedConnected = feedStatus is null ? null : feedStatus.ConnectionsOpen > 0,
            FeedConnections = feedStatus?.ConnectionsOpen,
            InstrumentsFollowed = feedStatus?.InstrumentsFollowed,
            TicksReceived = feedStatus?.TicksReceived,
            TicksInPerSecond = Rate(current.Ticks, previous?.Ticks, interval),
            ParseErrors = feedStatus?.ParseErrors,
            Reconnects = feedStatus?.Reconnects,
            DispatchPending = dispatchStatus?.Pending,
            DispatchDropped = dispatchStatus?.Dropped,
            DispatchPacedTo = dispatchStatus?.PacedTo,
            Published = publisherStatus?.Published,
            PublishedPerSecond = Rate(current.Published, previous?.Published, interval),
            PublishBuffered = publisherStatus?.Buffered,
            PublishSpoolPending = publisherStatus?.SpoolPending,
            PublishDropped = publisherStatus?.Dropped,
            RowsWritten = writerStatus?.RowsWritten,
            RowsWrittenPerSecond = Rate(current.RowsWritten, previous?.RowsWritten, interval),
            WriteFailures = writerStatus?.WriteFailures,
            DeadLettered = writerStatus?.DeadLettered,
            DatabaseAvailable = writerStatus?.DatabaseAvailable,
            KafkaLag = stream?.TotalLag(),
            KafkaExpired = stream?.TotalExpired(),
            DuplicatesDropped = accept?.DuplicatesDropped,
            LateAccepted = accept?.LateAccepted,
            TooOld = accept?.TooOld,
            SettlementsNewest = settlementStatus?.Newest,
            SettlementsPassAt = settlementStatus?.LastPassAt,
            TradesReceived = feedStatus?.TradesReceived,
            TradesPublished = tradePublisherStatus?.Published,
            TradesSpoolPending = tradePublisherStatus?.SpoolPending,
            TradeRowsWritten = writerStatus?.TradeRowsWritten,
            LastError = lastError.Error,
            LastErrorAt = lastError.At,
            LastErrorSource = lastError.Source,
        };
        previous = current;
        return stats;
    }

    private Task StartAsync(CancellationToken cancellationToken)
    {
        Collect(); // first sample: rates need a previous one
        loop = Task.Run(() => RunAsync(stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await stopping.CancelAsync();
        await loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReportInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var stats = Collect();
                WriteStatusLineIfDue(stats);
                try
                {
                    await grains.GetGrain<IPipelineStatsGrain>(IPipelineStatsGrain.Key).ReportAsync(stats).WaitAsync(cancellationToken);
                    if (failing)
                    {
                        failing = false;
                        LogReportRecovered(logger);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    if (!failing)
                    {
                        failing = true;
                        LogReportFailed(logger, ex);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// The one line an operator watches while the service runs. Logged (not written to the console directly) so it
    /// lands wherever the host's logs go, and at Information so a quieter log level turns it off.
    /// </summary>
    private void WriteStatusLineIfDue(SiloPipelineStats stats)
    {
        var every = options.Value.StatusLineInterval;
        if (every <= TimeSpan.Zero || stats.ReportedAt - lastStatusLine < every)
        {
            return;
        }

        lastStatusLine = stats.ReportedAt;
        LogStatusLine(
            logger,
            stats.InstrumentsFollowed ?? 0,
            stats.TicksInPerSecond ?? 0,
            stats.DispatchPending ?? 0,
            stats.DispatchPacedTo is { } paced ? string.Create(CultureInfo.InvariantCulture, $" (paced to the writers: {paced:0}/s)") : "",
            stats.PublishedPerSecond ?? 0,
            stats.KafkaLag?.ToString(CultureInfo.InvariantCulture) ?? "-",
            stats.RowsWrittenPerSecond ?? 0,
            stats.RowsWritten ?? 0,
            stats.PublishSpoolPending ?? 0,
            (stats.DispatchDropped ?? 0) + (stats.PublishDropped ?? 0) + (stats.KafkaExpired ?? 0),
            stats.LastError is null ? "none" : $"{stats.LastErrorSource}: {stats.LastError} at {stats.LastErrorAt:HH:mm:ss}");
    }

    private static double? Rate(long? current, long? before, double seconds) =>
        current is { } c && before is { } b && seconds > 0 ? Math.Round(Math.Max(0, c - b) / seconds, 1) : null;

    private static void Consider(ref (string? Error, DateTimeOffset? At, string? Source) best, string? error, DateTimeOffset? at, string source)
    {
        if (error is not null && (best.At is null || (at is { } a && a > best.At)))
        {
            best = (error, at, source);
        }
    }

    private sealed record Sample(DateTimeOffset At, long? Ticks, long? Published, long? RowsWritten);

    [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message =
        "Status: {Instruments} instruments | {TicksIn:0} ticks/s in | {Waiting} waiting for grains{Paced} | {Published:0} published/s | " +
        "Kafka lag {Lag} | {RowsPerSecond:0} rows/s written ({RowsTotal} total) | spool {Spooled} | dropped {Dropped} | last error: {LastError}")]
    private static partial void LogStatusLine(
        ILogger logger, int instruments, double ticksIn, long waiting, string paced, double published, string lag, double rowsPerSecond, long rowsTotal,
        long spooled, long dropped, string lastError);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Warning, Message = "Could not report pipeline stats to the cluster; retrying every interval")]
    private static partial void LogReportFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5203, Level = LogLevel.Information, Message = "Pipeline stats reach the cluster again")]
    private static partial void LogReportRecovered(ILogger logger);
}
