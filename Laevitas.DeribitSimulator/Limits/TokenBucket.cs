using System.Diagnostics;

namespace Laevitas.DeribitSimulator.Limits;

/// <summary>A leaky/token bucket like the exchange's credit system: capacity, refill per second, cost per call.</summary>
internal sealed class TokenBucket(double capacity, double refillPerSecond)
{
    private readonly Lock _lock = new();
    private readonly double _capacity = capacity;
    private double _tokens = capacity;
    private long _lastRefill = Stopwatch.GetTimestamp();

    public bool TryTake(double cost)
    {
        lock (_lock)
        {
            var now = Stopwatch.GetTimestamp();
            _tokens = Math.Min(_capacity, _tokens + Stopwatch.GetElapsedTime(_lastRefill, now).TotalSeconds * refillPerSecond);
            _lastRefill = now;
            if (_tokens < cost) return false;
            _tokens -= cost;
            return true;
        }
    }
}
