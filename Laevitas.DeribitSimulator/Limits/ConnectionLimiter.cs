namespace Laevitas.DeribitSimulator.Limits;

/// <summary>Counts open connections per client IP and refuses past the limit (the exchange answers HTTP 429).</summary>
internal sealed class ConnectionLimiter(int maxPerIp)
{
    private readonly Dictionary<string, int> open = new();
    private readonly Lock gate = new();

    public bool TryAcquire(string ip)
    {
        lock (gate)
        {
            open.TryGetValue(ip, out var count);
            if (count >= maxPerIp) return false;
            open[ip] = count + 1;
            return true;
        }
    }

    public void Release(string ip)
    {
        lock (gate)
        {
            if (!open.TryGetValue(ip, out var count)) return;
            if (count <= 1) open.Remove(ip);
            else open[ip] = count - 1;
        }
    }
}
