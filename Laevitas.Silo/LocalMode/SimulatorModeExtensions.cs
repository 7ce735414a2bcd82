using Laevitas.DeribitSimulator;
using Laevitas.Feed;

namespace Laevitas.Silo.LocalMode;

public static class SimulatorModeExtensions
{
    public const string CommandLineFlag = "--simulator";

    /// <summary>
    /// When simulator mode is on (<c>--simulator</c> or <c>Simulator:Enabled=true</c>), starts the simulated exchange
    /// in this process before services are built and points <c>Deribit:Url</c> at it, so a new user sees the whole
    /// pipeline work with nothing else running and no internet. The caller disposes the returned server after the
    /// host has stopped; null when the mode is off.
    /// </summary>
    public static async Task<DeribitSimulatorServer?> StartSimulatorIfRequestedAsync(this WebApplicationBuilder builder, string[] args)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(SimulatorModeOptions.SectionName);
        if (args.Contains(CommandLineFlag, StringComparer.Ordinal))
        {
            section[nameof(SimulatorModeOptions.Enabled)] = "true";
        }

        var options = section.Get<SimulatorModeOptions>() ?? new SimulatorModeOptions();
        if (!options.Enabled)
        {
            return null;
        }

        var server = await DeribitSimulatorServer.StartAsync(new SimulatorOptions
        {
            InstrumentCount = options.Instruments,
            TicksPerSecond = options.TicksPerSecond,
            TradesPerSecond = options.TradesPerSecond,
            Seed = options.Seed,
        });

        builder.Configuration[$"{DeribitOptions.SectionName}:{nameof(DeribitOptions.Url)}"] = server.Url;
        Console.WriteLine(
            $"Simulator mode: a simulated Deribit exchange with {options.Instruments} instruments at {options.TicksPerSecond:0} ticks/s and {options.TradesPerSecond:0} trades/s serves {server.Url} (no connection to the real exchange).");
        return server;
    }
}
