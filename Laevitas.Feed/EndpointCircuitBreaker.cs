using Microsoft.Extensions.Logging;

namespace Laevitas.Feed;

/// <summary>
/// Circuit breaker for one exchange endpoint, shared by every connection to it (discovery included): after
/// N consecutive failures to establish a session it opens and holds all attempts back for the open period,
/// then lets exactly one probe through (half-open); the probe's outcome closes or reopens it. This is what
/// stops a fleet of reconnect loops from hammering an exchange that is down or refusing us.
/// </summary>
internal sealed class EndpointCircuitBreaker
{
    private readonly string endpoint;
    private readonly int threshold;
    private readonly TimeSpan openFor;
    private readonly FeedStatus status;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private CircuitState state = CircuitState.Closed;
    private int consecutiveFailures;
    private DateTimeOffset openUntil;
    private bool probeInFlight;
    private TaskCompletionSource changed = NewSignal();

    public EndpointCircuitBreaker(string endpoint, int threshold, TimeSpan openFor, FeedStatus status, TimeProvider time, ILogger logger)
    {
        this.endpoint = endpoint;
        this.threshold = threshold;
        this.openFor = openFor;
        this.status = status;
        this.time = time;
        this.logger = logger;
        this.status.SetCircuitState(CircuitState.Closed);
    }

    public CircuitState State
    {
        get { lock (gate) { return state; } }
    }

    /// <summary>
    /// Waits until an attempt may go ahead. Returns true when the caller holds the half-open probe and must
    /// report its outcome (<see cref="RecordSuccess"/>, <see cref="RecordFailure"/> or <see cref="Abandon"/>).
    /// </summary>
    public async Task<bool> AcquireAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            Task changed;
            lock (gate)
            {
                switch (state)
                {
                    case CircuitState.Closed:
                        return false;
                    case CircuitState.Open:
                        wait = openUntil - time.GetUtcNow();
                        if (wait <= TimeSpan.Zero)
                        {
                            SetState(CircuitState.HalfOpen);
                            probeInFlight = true;
                            FeedLog.CircuitHalfOpen(logger, endpoint);
                            return true;
                        }

                        break;
                    default:
                        if (!probeInFlight)
                        {
                            probeInFlight = true;
                            return true;
                        }

                        wait = Timeout.InfiniteTimeSpan;
                        break;
                }

                changed = this.changed.Task;
            }

            using var delayCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(wait, time, delayCts.Token);
            await Task.WhenAny(changed, delay).ConfigureAwait(false);
            await delayCts.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    public void RecordSuccess()
    {
        lock (gate)
        {
            consecutiveFailures = 0;
            if (state != CircuitState.Closed)
            {
                probeInFlight = false;
                SetState(CircuitState.Closed);
                FeedLog.CircuitClosed(logger, endpoint);
            }
        }
    }

    public void RecordFailure()
    {
        lock (gate)
        {
            consecutiveFailures++;
            if (state == CircuitState.HalfOpen || (state == CircuitState.Closed && consecutiveFailures >= threshold))
            {
                probeInFlight = false;
                openUntil = time.GetUtcNow() + openFor;
                SetState(CircuitState.Open);
                FeedLog.CircuitOpened(logger, endpoint, consecutiveFailures, openFor.TotalSeconds);
            }
        }
    }

    /// <summary>The probe holder gave up without an outcome (shutdown): let another caller probe.</summary>
    public void Abandon(bool wasProbe)
    {
        if (!wasProbe)
        {
            return;
        }

        lock (gate)
        {
            if (state == CircuitState.HalfOpen)
            {
                probeInFlight = false;
                Signal();
            }
        }
    }

    private void SetState(CircuitState state)
    {
        this.state = state;
        status.SetCircuitState(state);
        Signal();
    }

    private void Signal()
    {
        var previous = changed;
        changed = NewSignal();
        previous.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
