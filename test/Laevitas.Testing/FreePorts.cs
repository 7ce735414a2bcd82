using System.Net;
using System.Net.Sockets;

namespace Laevitas.Testing;

/// <summary>Loopback ports nobody listens on, for silo, gateway and HTTP endpoints in tests.</summary>
public static class FreePorts
{
    private static readonly HashSet<int> Handed = [];

    /// <summary>A loopback port nobody listens on now and that this process has not handed out before.</summary>
    public static int Next()
    {
        lock (Handed)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }
    }

    /// <summary><paramref name="count"/> different ports from <see cref="Next"/>.</summary>
    public static int[] Take(int count) => Enumerable.Range(0, count).Select(_ => Next()).ToArray();
}
