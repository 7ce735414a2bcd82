using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace Laevitas.Client.Cli;

/// <summary>
/// Where a command writes and what it reads. <see cref="Output"/> gets JSON (plain text, never wrapped);
/// <see cref="Console"/> gets tables and live displays; <see cref="Error"/> gets messages. Tests pass their own.
/// </summary>
public sealed record CliContext(TextWriter Output, TextWriter Error, IAnsiConsole Console, IConfiguration Configuration, TimeProvider Time)
{
    /// <summary>The real terminal; configuration from appsettings.json beside the binary and the environment.</summary>
    public static CliContext FromEnvironment()
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
        var console = AnsiConsole.Console;
        if (System.Console.IsOutputRedirected)
        {
            // Piped to a file or a pager: there is no window to fit, and 80 columns would wrap every price.
            console.Profile.Width = 200;
        }

        return new CliContext(System.Console.Out, System.Console.Error, console, configuration, TimeProvider.System);
    }
}
