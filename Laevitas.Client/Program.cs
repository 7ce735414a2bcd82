using Laevitas.Client.Cli;

return await LaevitasCli.RunAsync(args, CliContext.FromEnvironment());
