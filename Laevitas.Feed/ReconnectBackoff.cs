namespace Laevitas.Feed;

/// <summary>Exponential backoff with jitter: min·2^attempt capped at max, minus a random share so peers spread out.</summary>
internal sealed class ReconnectBackoff(double minSeconds, double maxSeconds, double jitter)
{
    private int _attempt;

    public int Attempt => _attempt;

    public TimeSpan Next()
    {
        var exponent = Math.Min(_attempt, 30);
        var baseSeconds = Math.Min(maxSeconds, minSeconds * Math.Pow(2, exponent));
        _attempt++;
        var seconds = baseSeconds * (1 - (jitter * Random.Shared.NextDouble()));
        return TimeSpan.FromSeconds(seconds);
    }

    public void Reset() => _attempt = 0;
}
