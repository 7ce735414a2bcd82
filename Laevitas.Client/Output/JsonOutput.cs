using System.CommandLine;
using System.Text.Json;
using Laevitas.Client.Cli;
using Laevitas.Grains.Abstractions.Api;
using Spectre.Console;

namespace Laevitas.Client.Output;

/// <summary>Writes a result as the same JSON the HTTP API returns (<see cref="LaevitasJson"/>), indented or one line.</summary>
internal static class JsonOutput
{
    public static void Write<T>(TextWriter output, T value, bool indented = true)
    {
        output.WriteLine(JsonSerializer.Serialize(value, indented ? LaevitasJson.Indented : LaevitasJson.Compact));
        output.Flush();
    }

    /// <summary>
    /// A command's answer as the API's JSON document with <c>--json</c>, otherwise as <paramref name="render"/> draws it;
    /// returns <see cref="ExitCodes.Ok"/>.
    /// </summary>
    public static int Print<T>(CliContext context, GlobalOptions global, ParseResult parse, T answer, Action<IAnsiConsole, T> render)
    {
        if (parse.GetValue(global.Json))
        {
            Write(context.Output, answer);
        }
        else
        {
            render(context.Console, answer);
        }

        return ExitCodes.Ok;
    }
}
