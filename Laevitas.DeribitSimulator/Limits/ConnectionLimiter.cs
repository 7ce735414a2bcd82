namespace Laevitas.DeribitSimulator.Limits;

/// <summary>Counts open connections per client IP and refuses past the limit (the exchange answers HTTP 429).</summary>
internal sealed class ConnectionLimiter(int maxPerIp)
{
    private readonly Dictionary<string, int> _open = new();
    private readonly Lock _lock = new();

    public bool TryAcquire(string ip)
    {
        lock (_lock)
        {
            _open.TryGetValue(ip, out var count);
            if (count >= maxPerIp) return false;
            _open[ip] = count + 1;
            return true;
        }
    }

    public void Release(string ip)
    {
        lock (_lock)
        {
            if (!_open.TryGetValue(ip, out var count)) return;
            if (count <= 1) _open.Remove(ip);
            else _open[ip] = count - 1;
        }
    }
}
