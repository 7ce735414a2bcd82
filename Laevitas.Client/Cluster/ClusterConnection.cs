using Laevitas.Client.Cli;
using Laevitas.Grains.Abstractions.Clustering;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Laevitas.Client.Cluster;

/// <summary>
/// An Orleans client joined to the cluster for one command. Connecting is bounded by
/// <see cref="ClusterSettings.ConnectTimeout"/>: without a reachable gateway the command fails with
/// <see cref="ExitCodes.NoCluster"/> instead of hanging.
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    /// <summary>How long one grain call may take once connected.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);

    private readonly IHost host;

    private ClusterConnection(IHost host)
    {
        this.host = host;
        Client = host.Services.GetRequiredService<IClusterClient>();
    }

    public IClusterClient Client { get; }

    public static async Task<ClusterConnection> ConnectAsync(IConfiguration configuration, ClusterSettings settings, CancellationToken cancellationToken)
    {
        var where = Describe(configuration, settings);
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.ClearProviders();
        if (settings.Verbose)
        {
            // stderr, so that --json output on stdout stays parseable.
            builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Logging.SetMinimumLevel(LogLevel.Information);
        }

        try
        {
            builder.UseOrleansClient(client =>
            {
                if (settings.Gateway is { } gateway)
                {
                    var options = new ClusteringOptions();
                    configuration.GetSection(ClusteringOptions.SectionName).Bind(options);
                    client.UseStaticClustering(gateway);
                    client.UseLaevitasTls(configuration);
                    client.Configure<ClusterOptions>(cluster =>
                    {
                        cluster.ClusterId = options.ClusterId;
                        cluster.ServiceId = options.ServiceId;
                    });
                }
                else
                {
                    client.UseLaevitasClustering(configuration);
                }

                client.Configure<ClientMessagingOptions>(messaging => messaging.ResponseTimeout = CallTimeout);
            });
        }
        catch (InvalidOperationException ex)
        {
            throw new CliException(ExitCodes.Usage, ex.Message, ex);
        }

        var host = builder.Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.ConnectTimeout);
        try
        {
            await host.StartAsync(timeout.Token).WaitAsync(timeout.Token);
            return new ClusterConnection(host);
        }
        catch (Exception ex)
        {
            await StopQuietlyAsync(host);
            if (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }

            var reason = ex is OperationCanceledException ? $"no gateway answered within {settings.ConnectTimeout.TotalSeconds:0.#} s" : ex.Message;
            throw new CliException(ExitCodes.NoCluster,
                $"No Laevitas cluster reachable ({where}): {reason}. Is a silo running? Point the client at it with --gateway host:port " +
                "or the same Orleans__* / ConnectionStrings__Postgres settings the silo uses.", ex);
        }
    }

    public async ValueTask DisposeAsync() => await StopQuietlyAsync(host);

    private static async Task StopQuietlyAsync(IHost host)
    {
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await host.StopAsync(stop.Token);
        }
        catch (Exception)
        {
            // Leaving anyway; the process or test is done with this client.
        }

        host.Dispose();
    }

    private static string Describe(IConfiguration configuration, ClusterSettings settings)
    {
        if (settings.Gateway is { } gateway)
        {
            return $"gateway {gateway}";
        }

        var options = new ClusteringOptions();
        configuration.GetSection(ClusteringOptions.SectionName).Bind(options);
        return options.ClusteringMode == ClusteringMode.Localhost
            ? $"localhost gateway port {options.GatewayPort}"
            : $"gateways listed in PostgreSQL membership, cluster '{options.ClusterId}'";
    }
}
