namespace Laevitas.Bench.EndToEnd;

/// <summary>Where the repository and the silo build the benchmark starts are.</summary>
internal static class RepositoryLayout
{
    /// <summary>The directory holding <c>Laevitas.sln</c>, found by walking up from this program's own output.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>Build configuration of this program (from its output path <c>bin/{configuration}/{tfm}</c>).</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>
    /// The silo's own build output, same configuration and target framework as this program. The bench project
    /// references the silo project, so building the bench builds it there.
    /// </summary>
    public static string SiloAssembly
    {
        get
        {
            var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
            return Path.Combine(Root, "Laevitas.Silo", "bin", Configuration, framework, "Laevitas.Silo.dll");
        }
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Laevitas.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"Laevitas.sln not found above {AppContext.BaseDirectory}: run the bench from its build output inside the repository.");
    }
}
