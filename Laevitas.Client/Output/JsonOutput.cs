using System.Text.Json;
using Laevitas.Grains.Abstractions.Api;

namespace Laevitas.Client.Output;

/// <summary>Writes a result as the same JSON the HTTP API returns (<see cref="LaevitasJson"/>), indented or one line.</summary>
internal static class JsonOutput
{
    public static void Write<T>(TextWriter output, T value, bool indented = true)
    {
        output.WriteLine(JsonSerializer.Serialize(value, indented ? LaevitasJson.Indented : LaevitasJson.Compact));
        output.Flush();
    }
}
