using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Laevitas.Grains.Retention;

/// <summary>
/// Runs a <see cref="PartitionRetention"/> pass at start and then every <see cref="RetentionOptions.Interval"/>, on
/// every silo; the pass's advisory lock makes all but one return at once. Off when <see cref="RetentionOptions.Days"/>
/// is 0. A failed pass (database away, lock timeout) is logged and counted and the next interval tries again: it never
/// stops the silo, since keeping data a little longer harms nothing.
/// </summary>
public sealed class RetentionService(
    PartitionRetention retention,
    IOptions<RetentionOptions> options,
    RetentionMetrics metrics,
    TimeProvider time,
    ILogger<RetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.Days == 0)
        {
            RetentionLog.Off(logger);
            return;
        }

        RetentionLog.On(logger, settings.Days, settings.Interval);
        using var timer = new PeriodicTimer(settings.Interval, time);
        do
        {
            try
            {
                await retention.RunAsync(time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                metrics.PassFailed();
                RetentionLog.Failed(logger, ex, settings.Interval);
            }
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
