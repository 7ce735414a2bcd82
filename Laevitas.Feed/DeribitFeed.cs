using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Laevitas.Feed;

/// <summary>
/// The Deribit ticker feed. Discovers instruments (<c>public/get_instruments</c> for Currencies × Kinds, or the
/// explicit Instruments list), spreads their ticker channels over up to MaxConnections connections, refreshes
/// discovery periodically (new listings subscribed, expired or delisted ones unsubscribed and reported), follows
/// <c>instrument.state</c> notifications so listing changes take effect within seconds between polls, and
/// hands every tick to the <see cref="ITickSink"/>. An instrument stays on one connection for its lifetime,
/// which keeps the exchange's per-instrument ordering intact end to end.
/// <para>This file holds the run loop: the first discovery (retried with backoff), then one loop for the periodic poll
/// and the listing events. What is followed is decided in <c>DeribitFeed.Discovery.cs</c>, which connection carries
/// it in <c>DeribitFeed.Connections.cs</c>.</para>
/// </summary>
public sealed partial class DeribitFeed : BackgroundService
{
    private readonly DeribitOptions options;
    private readonly ITickSink sink;
    private readonly FeedStatus status;
    private readonly ILogger<DeribitFeed> logger;
    private readonly FeedContext context;

    public DeribitFeed(IOptions<DeribitOptions> options, ITickSink sink, FeedStatus status, FeedMetrics metrics, TimeProvider time, ILogger<DeribitFeed> logger)
    {
        // The metrics instruments live as long as the meter; taking them here makes sure they are created.
        _ = metrics;
        this.options = options.Value;
        this.sink = sink;
        this.status = status;
        this.logger = logger;
        context = new FeedContext(this.options, sink, status, time, logger);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        status.Endpoint = options.Url;
        FeedLog.Starting(logger, options.Url, options.Interval,
            options.UsesExplicitInstruments
                ? $"{options.Instruments.Count} explicit instruments"
                : $"discovery of {string.Join(",", options.Currencies)} x {string.Join(",", options.Kinds)}");
        try
        {
            var backoff = new ReconnectBackoff(options.ReconnectMinDelaySeconds, options.ReconnectMaxDelaySeconds, options.ReconnectJitter);
            while (true)
            {
                DiscoveryResult first;
                try
                {
                    first = await DiscoverAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    FeedLog.Unexpected(logger, ex, DiscoveryName);
                    first = new DiscoveryResult(null, $"unexpected {ex.GetType().Name}: {ex.Message}");
                }

                if (first.Instruments is not null)
                {
                    Apply(first.Instruments, stoppingToken);
                    break;
                }

                var delay = backoff.Next();
                ReportDiscoveryFailure(first, delay);
                await Task.Delay(delay, context.Time, stoppingToken).ConfigureAwait(false);
            }

            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.DiscoveryRefreshSeconds), context.Time);
            // One loop for the poll and the instrument.state notifications: the followed set changes in one place, and
            // at most one short-lived discovery connection is open at a time (the exchange's per-IP budget counts it).
            var pollDue = timer.WaitForNextTickAsync(stoppingToken).AsTask();
            var listingEvent = context.ListingEvents.Reader.WaitToReadAsync(stoppingToken).AsTask();
            while (true)
            {
                var woken = await Task.WhenAny(pollDue, listingEvent).ConfigureAwait(false);
                try
                {
                    if (woken == listingEvent)
                    {
                        await listingEvent.ConfigureAwait(false);
                        await ApplyListingEventsAsync(stoppingToken).ConfigureAwait(false);
                        listingEvent = context.ListingEvents.Reader.WaitToReadAsync(stoppingToken).AsTask();
                        continue;
                    }

                    if (!await pollDue.ConfigureAwait(false))
                    {
                        break;
                    }

                    pollDue = timer.WaitForNextTickAsync(stoppingToken).AsTask();
                    await RefreshAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // A failing refresh or listing change must never stop the feed (nor, through the host, the silo).
                    FeedLog.Unexpected(logger, ex, DiscoveryName);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            Task[] running;
            lock (connections)
            {
                running = connectionTasks.ToArray();
            }

            await Task.WhenAll(running).ConfigureAwait(false);
        }
    }
}
