using Laevitas.Feed;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Laevitas.Silo.Settlements;

/// <summary>
/// Runs a <see cref="SettlementBackfill"/> pass at start and again after every 08:00 UTC settlement (plus
/// <see cref="SettlementOptions.SettleDelay"/>), on the injected <see cref="TimeProvider"/>. A failed pass, or one that
/// does not find the day's delivery price yet, is retried with exponential backoff and jitter; nothing it does can
/// stop the silo.
/// </summary>
/// <remarks>
/// Every silo runs it, with no leader or lock. The upsert on (index_name, delivery_date) makes concurrent and repeated
/// passes store each date once, and a pass after the first costs one call per index a day. A single runner would save
/// those few calls but add a failure mode: the silo holding the job dies mid-pass and the day's settlement waits for
/// the next one (or for a handover no other stage needs).
/// </remarks>
public sealed class SettlementBackfillService(
    SettlementBackfill backfill,
    IOptions<SettlementOptions> options,
    IOptions<DeribitOptions> deribit,
    TimeProvider time,
    SettlementMetrics metrics,
    SettlementStatus status,
    ILogger<SettlementBackfillService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            SettlementLog.Off(logger, "Settlements:Enabled = false");
            return;
        }

        var indexes = SettlementIndexes.Resolve(settings, deribit.Value);
        if (indexes.Count == 0)
        {
            SettlementLog.Off(logger, "no index: Deribit:Currencies has none with delivery prices and Settlements:Indexes is empty");
            return;
        }

        SettlementLog.On(logger, string.Join(",", indexes), backfill.Endpoint);
        var attempt = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var result = await backfill.RunAsync(indexes, settings.PageSize, stoppingToken).ConfigureAwait(false);
                var now = time.GetUtcNow();
                status.RecordPass(result, now);
                var settlement = SettlementSchedule.Latest(now);
                var day = SettlementSchedule.DateOf(settlement);
                var late = result.IndexesWithout(day);
                if (result.Failures.Count > 0)
                {
                    metrics.PassFailed();
                    wait = Backoff(settings, ++attempt);
                    SettlementLog.PassFailed(logger, null, attempt, wait);
                }
                else if (late.Count > 0 && now - settlement < settings.LateWindow)
                {
                    wait = Backoff(settings, ++attempt);
                    SettlementLog.NotYetPublished(logger, day, string.Join(",", late), wait);
                }
                else
                {
                    attempt = 0;
                    var next = SettlementSchedule.Next(now) + settings.SettleDelay;
                    // Started in the minutes between 08:00 and 08:00 + SettleDelay: today's pass is still to come.
                    if (settlement + settings.SettleDelay > now)
                    {
                        next = settlement + settings.SettleDelay;
                    }

                    wait = next - now;
                    SettlementLog.PassDone(logger, result.Calls, result.Inserted, result.Updated, next);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The exchange or the database away, or anything unforeseen: never fatal, retried.
                metrics.PassFailed();
                status.RecordFailure(ex.Message, time.GetUtcNow());
                wait = Backoff(settings, ++attempt);
                SettlementLog.PassFailed(logger, ex, attempt, wait);
            }

            try
            {
                await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>RetryMinDelay · 2^(attempt-1), capped at RetryMaxDelay, less up to a fifth so silos do not retry in step.</summary>
    private static TimeSpan Backoff(SettlementOptions settings, int attempt)
    {
        var ticks = Math.Min(settings.RetryMaxDelay.Ticks, settings.RetryMinDelay.Ticks * Math.Pow(2, Math.Min(attempt - 1, 30)));
        return TimeSpan.FromTicks((long)(ticks * (1 - (0.2 * Random.Shared.NextDouble()))));
    }
}
