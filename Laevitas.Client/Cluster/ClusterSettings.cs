using System.Net;
using System.Net.Sockets;
using Laevitas.Client.Cli;

namespace Laevitas.Client.Cluster;

/// <summary>How to reach the cluster: the shared clustering configuration, or an explicit <c>--gateway host:port</c>.</summary>
public sealed record ClusterSettings(IPEndPoint? Gateway, TimeSpan ConnectTimeout, bool Verbose)
{
    /// <summary>
    /// How long a command waits for a gateway by default. A reachable gateway answers in milliseconds, but a busy one
    /// may not: 5 s ran out against a live, loaded silo on the test machine. Without any gateway the command still
    /// fails within this bound; <c>--timeout</c> shortens it.
    /// </summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(15);

    /// <summary><c>host:port</c>, <c>[v6]:port</c> or <c>ip:port</c>; a host name is resolved here, once.</summary>
    public static IPEndPoint ParseGateway(string text)
    {
        var trimmed = text.Trim();
        var colon = trimmed.LastIndexOf(':');
        if (colon <= 0 || colon == trimmed.Length - 1
            || !int.TryParse(trimmed[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
        {
            throw new CliException(ExitCodes.Usage, $"--gateway '{text}' is not host:port (e.g. 127.0.0.1:30000).");
        }

        var host = trimmed[..colon].Trim('[', ']');
        if (IPAddress.TryParse(host, out var address))
        {
            return new IPEndPoint(address, port);
        }

        try
        {
            var addresses = Dns.GetHostAddresses(host);
            var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
            return chosen is null
                ? throw new CliException(ExitCodes.NoCluster, $"Gateway host '{host}' has no address.")
                : new IPEndPoint(chosen, port);
        }
        catch (SocketException ex)
        {
            throw new CliException(ExitCodes.NoCluster, $"Cannot resolve gateway host '{host}': {ex.Message}", ex);
        }
    }
}
