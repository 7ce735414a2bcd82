using System.CommandLine;
using Laevitas.Client.Cluster;

namespace Laevitas.Client.Cli;

/// <summary>Options every command accepts.</summary>
internal sealed class GlobalOptions
{
    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print JSON (the HTTP API's shape, stable camelCase property names) instead of tables.",
        Recursive = true,
    };

    public Option<string?> Gateway { get; } = new("--gateway", "-g")
    {
        Description = "Connect to this silo gateway (host:port) instead of the configured clustering (Orleans__ClusteringMode, Orleans__GatewayPort, ConnectionStrings__Postgres).",
        HelpName = "host:port",
        Recursive = true,
    };

    public Option<double> Timeout { get; } = new("--timeout")
    {
        Description = "Seconds to wait for the cluster before giving up with exit code 4.",
        DefaultValueFactory = _ => ClusterSettings.DefaultConnectTimeout.TotalSeconds,
        HelpName = "seconds",
        Recursive = true,
    };

    public Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Log the Orleans client's activity to stderr.",
        Recursive = true,
    };

    public void AddTo(RootCommand root)
    {
        root.Add(Json);
        root.Add(Gateway);
        root.Add(Timeout);
        root.Add(Verbose);
    }

    public ClusterSettings Settings(ParseResult parse)
    {
        var seconds = parse.GetValue(Timeout);
        if (!(seconds > 0 && seconds <= 300))
        {
            throw new CliException(ExitCodes.Usage, $"--timeout must be more than 0 and at most 300 seconds (was {seconds}).");
        }

        var gateway = parse.GetValue(Gateway);
        return new ClusterSettings(
            string.IsNullOrWhiteSpace(gateway) ? null : ClusterSettings.ParseGateway(gateway),
            TimeSpan.FromSeconds(seconds),
            parse.GetValue(Verbose));
    }
}
