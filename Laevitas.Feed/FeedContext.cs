using System.Threading.Channels;
using Laevitas.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Laevitas.Feed;

/// <summary>What every connection of one feed shares: options, status, the endpoint's breaker and pacers.</summary>
internal sealed class FeedContext
{
    private int unreachableReported;

    public FeedContext(DeribitOptions options, ITickSink sink, FeedStatus status, TimeProvider time, ILogger logger)
    {
        Options = options;
        Endpoint = new Uri(options.Url);
        Sink = sink;
        Status = status;
        Time = time;
        Logger = logger;
        Breaker = new EndpointCircuitBreaker(options.Url, options.CircuitBreakerFailureThreshold,
            TimeSpan.FromSeconds(options.CircuitBreakerOpenSeconds), status, time, logger);
        SubscribePacer = new CallPacer(options.SubscribeCallsPerSecond, time);
        DiscoveryPacer = new CallPacer(options.DiscoveryCallsPerSecond, time);
        UnusableLog = new LogThrottle(TimeSpan.FromSeconds(5), time);
        SinkLog = new LogThrottle(TimeSpan.FromSeconds(5), time);
        DeadLinkTimeout = TimeSpan.FromSeconds(options.HeartbeatIntervalSeconds + options.DeadLinkMarginSeconds);
    }

    public DeribitOptions Options { get; }

    public Uri Endpoint { get; }

    public ITickSink Sink { get; }

    public FeedStatus Status { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public EndpointCircuitBreaker Breaker { get; }

    public CallPacer SubscribePacer { get; }

    public CallPacer DiscoveryPacer { get; }

    public LogThrottle UnusableLog { get; }

    public LogThrottle SinkLog { get; }

    public TimeSpan DeadLinkTimeout { get; }

    /// <summary>
    /// instrument.state notifications, from the receive loop that carries those channels to the feed's one loop, which
    /// applies them and the discovery polls in turn (so the two never change the followed set at the same time).
    /// Unbounded: listings arrive by the dozen a day, and dropping one would leave it to the next poll.
    /// </summary>
    public Channel<InstrumentStateEvent> ListingEvents { get; } =
        Channel.CreateUnbounded<InstrumentStateEvent>(new UnboundedChannelOptions { SingleReader = true });

    public TimeSpan ConnectTimeout => TimeSpan.FromSeconds(Options.ConnectTimeoutSeconds);

    public TimeSpan RequestTimeout => TimeSpan.FromSeconds(Options.RequestTimeoutSeconds);

    /// <summary>
    /// Records a failed connection attempt. "Unreachable" gets one clear error (with how to use the simulator)
    /// until a connection succeeds again; repeated attempts only warn, so the log is not flooded while retrying.
    /// </summary>
    public void ReportConnectFailure(string connection, DeribitConnectException failure, TimeSpan retryIn)
    {
        Status.RecordError($"{connection}: {failure.Message}");
        if (failure.Failure == ConnectFailure.Unreachable && Interlocked.Exchange(ref unreachableReported, 1) == 0)
        {
            FeedLog.EndpointUnreachable(Logger, Options.Url, failure.Message);
            return;
        }

        FeedLog.ConnectFailed(Logger, connection, Options.Url, failure.Message, retryIn.TotalSeconds);
    }

    public void ReportConnected() => Volatile.Write(ref unreachableReported, 0);
}
