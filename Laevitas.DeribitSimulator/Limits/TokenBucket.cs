using System.Diagnostics;

namespace Laevitas.DeribitSimulator.Limits;

/// <summary>A leaky/token bucket like the exchange's credit system: capacity, refill per second, cost per call.</summary>
internal sealed class TokenBucket(double capacity, double refillPerSecond)
{
    private readonly Lock gate = new();
    private readonly double capacity = capacity;
    private double tokens = capacity;
    private long lastRefill = Stopwatch.GetTimestamp();

    public bool TryTake(double cost)
    {
        lock (gate)
        {
            var now = Stopwatch.GetTimestamp();
            tokens = Math.Min(capacity, tokens + Stopwatch.GetElapsedTime(lastRefill, now).TotalSeconds * refillPerSecond);
            lastRefill = now;
            if (tokens < cost) return false;
            tokens -= cost;
            return true;
        }
    }
}
