using System.Reflection;

namespace Laevitas.ChaosTests.Infrastructure;

/// <summary>Where the silo's build output is: the project reference builds it, the test project records the path.</summary>
internal static class SiloBuild
{
    public static string DllPath { get; } = Locate();

    private static string Locate()
    {
        var path = Environment.GetEnvironmentVariable("LAEVITAS_SILO_DLL");
        if (string.IsNullOrWhiteSpace(path))
        {
            path = typeof(SiloBuild).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "LaevitasSiloDll")?.Value;
        }

        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The silo build output was not found at '{path}'. Build the solution (the test project references Laevitas.Silo) " +
                "or set LAEVITAS_SILO_DLL to Laevitas.Silo.dll.");
        }

        return path;
    }
}
