using Laevitas.DeribitSimulator.Hosting;

return await SimulatorCommandLine.RunAsync(args).ConfigureAwait(false);
