using Laevitas.Client.Cli;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace Laevitas.Tests.Infrastructure;

/// <summary>Runs the client's command line in-process and captures stdout (JSON), the console (tables) and stderr.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Console, string Error)
{
    public static async Task<CliRun> RunAsync(IReadOnlyDictionary<string, string?> configuration, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var consoleText = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(consoleText),
        });
        console.Profile.Width = 240;
        var context = new CliContext(output, error, console, new ConfigurationBuilder().AddInMemoryCollection(configuration).Build(), TimeProvider.System);
        var exitCode = await LaevitasCli.RunAsync(args, context);
        return new CliRun(exitCode, output.ToString(), consoleText.ToString(), error.ToString());
    }

    public override string ToString() => $"exit {ExitCode}\nstdout: {Output}\nconsole: {Console}\nstderr: {Error}";
}
