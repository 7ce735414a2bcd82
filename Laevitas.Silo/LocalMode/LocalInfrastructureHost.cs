using Laevitas.DeribitSimulator;
using Laevitas.LocalInfrastructure.Hosting;
using Laevitas.LocalInfrastructure.Postgres;

namespace Laevitas.Silo.LocalMode;

/// <summary>
/// What the silo starts by itself when it runs alone: the simulated exchange (<c>--simulator</c>), a private
/// PostgreSQL when <c>ConnectionStrings:Postgres</c> is empty and the embedded Kafka broker when
/// <c>Kafka:BootstrapServers</c> is empty. A production silo is configured with all three and starts none of them.
/// Disposed after the host has stopped, so the database outlives every grain that writes to it.
/// </summary>
public sealed class LocalInfrastructureHost : IAsyncDisposable
{
    private readonly DeribitSimulatorServer? simulator;
    private readonly EmbeddedPostgresHost? postgres;

    private LocalInfrastructureHost(DeribitSimulatorServer? simulator, EmbeddedPostgresHost? postgres)
    {
        this.simulator = simulator;
        this.postgres = postgres;
    }

    /// <summary>
    /// The command-line arguments for the host: <c>--simulator</c> is ours, not a configuration key, and is kept away
    /// from the command-line configuration provider, which would otherwise take the next argument as its value.
    /// </summary>
    public static string[] HostArguments(string[] args) =>
        args.Where(a => a != SimulatorModeExtensions.CommandLineFlag).ToArray();

    /// <summary>
    /// Starts what is requested or unconfigured, before services are built, so that everything bound from
    /// configuration sees the addresses (the simulator's URL, the database's connection string, the broker's).
    /// </summary>
    public static async Task<LocalInfrastructureHost> StartAsync(WebApplicationBuilder builder, string[] args)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var simulator = await builder.StartSimulatorIfRequestedAsync(args);
        EmbeddedPostgresHost? postgres = null;
        try
        {
            postgres = await builder.StartPrivatePostgresIfUnconfiguredAsync();
            builder.AddEmbeddedKafkaWhenUnconfigured();
            return new LocalInfrastructureHost(simulator, postgres);
        }
        catch
        {
            if (postgres is not null)
            {
                await postgres.DisposeAsync();
            }

            if (simulator is not null)
            {
                await simulator.DisposeAsync();
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Reverse order of start: the database, then the exchange the feed was reading.
        if (postgres is not null)
        {
            await postgres.DisposeAsync();
        }

        if (simulator is not null)
        {
            await simulator.DisposeAsync();
        }
    }
}
