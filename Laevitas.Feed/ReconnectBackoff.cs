namespace Laevitas.Feed;

/// <summary>Exponential backoff with jitter: min·2^attempt capped at max, minus a random share so peers spread out.</summary>
internal sealed class ReconnectBackoff(double minSeconds, double maxSeconds, double jitter)
{
    private int attempt;

    public int Attempt => attempt;

    public TimeSpan Next()
    {
        var exponent = Math.Min(attempt, 30);
        var baseSeconds = Math.Min(maxSeconds, minSeconds * Math.Pow(2, exponent));
        attempt++;
        var seconds = baseSeconds * (1 - (jitter * Random.Shared.NextDouble()));
        return TimeSpan.FromSeconds(seconds);
    }

    public void Reset() => attempt = 0;
}
