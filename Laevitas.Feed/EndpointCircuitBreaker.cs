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
    private readonly string _endpoint;
    private readonly int _threshold;
    private readonly TimeSpan _openFor;
    private readonly FeedStatus _status;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private CircuitState _state = CircuitState.Closed;
    private int _consecutiveFailures;
    private DateTimeOffset _openUntil;
    private bool _probeInFlight;
    private TaskCompletionSource _changed = NewSignal();

    public EndpointCircuitBreaker(string endpoint, int threshold, TimeSpan openFor, FeedStatus status, TimeProvider time, ILogger logger)
    {
        _endpoint = endpoint;
        _threshold = threshold;
        _openFor = openFor;
        _status = status;
        _time = time;
        _logger = logger;
        _status.SetCircuitState(CircuitState.Closed);
    }

    public CircuitState State
    {
        get { lock (_lock) { return _state; } }
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
            lock (_lock)
            {
                switch (_state)
                {
                    case CircuitState.Closed:
                        return false;
                    case CircuitState.Open:
                        wait = _openUntil - _time.GetUtcNow();
                        if (wait <= TimeSpan.Zero)
                        {
                            SetState(CircuitState.HalfOpen);
                            _probeInFlight = true;
                            FeedLog.CircuitHalfOpen(_logger, _endpoint);
                            return true;
                        }

                        break;
                    default:
                        if (!_probeInFlight)
                        {
                            _probeInFlight = true;
                            return true;
                        }

                        wait = Timeout.InfiniteTimeSpan;
                        break;
                }

                changed = _changed.Task;
            }

            using var delayCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(wait, _time, delayCts.Token);
            await Task.WhenAny(changed, delay).ConfigureAwait(false);
            await delayCts.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    public void RecordSuccess()
    {
        lock (_lock)
        {
            _consecutiveFailures = 0;
            if (_state != CircuitState.Closed)
            {
                _probeInFlight = false;
                SetState(CircuitState.Closed);
                FeedLog.CircuitClosed(_logger, _endpoint);
            }
        }
    }

    public void RecordFailure()
    {
        lock (_lock)
        {
            _consecutiveFailures++;
            if (_state == CircuitState.HalfOpen || (_state == CircuitState.Closed && _consecutiveFailures >= _threshold))
            {
                _probeInFlight = false;
                _openUntil = _time.GetUtcNow() + _openFor;
                SetState(CircuitState.Open);
                FeedLog.CircuitOpened(_logger, _endpoint, _consecutiveFailures, _openFor.TotalSeconds);
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

        lock (_lock)
        {
            if (_state == CircuitState.HalfOpen)
            {
                _probeInFlight = false;
                Signal();
            }
        }
    }

    private void SetState(CircuitState state)
    {
        _state = state;
        _status.SetCircuitState(state);
        Signal();
    }

    private void Signal()
    {
        var previous = _changed;
        _changed = NewSignal();
        previous.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
