using System.Reflection;

namespace Laevitas.Testing.Processes;

/// <summary>
/// Where the silo's and the client's build outputs are: the project references build them, the test project records
/// the paths (environment variables override them).
/// </summary>
public static class SiloBuild
{
    public static string DllPath { get; } = Locate("LAEVITAS_SILO_DLL", "LaevitasSiloDll", "Laevitas.Silo.dll");

    public static string ClientDllPath { get; } = Locate("LAEVITAS_CLIENT_DLL", "LaevitasClientDll", "laevitas.dll");

    private static string Locate(string variable, string metadataKey, string fileName)
    {
        var path = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(path))
        {
            path = typeof(SiloBuild).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == metadataKey)?.Value;
        }

        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The build output '{fileName}' was not found at '{path}'. Build the solution (the test project references it) " +
                $"or set {variable} to {fileName}.");
        }

        return path;
    }
}
