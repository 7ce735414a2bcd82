using System.Xml.Linq;
using Laevitas.Tests.Deploy;

namespace Laevitas.Tests.Architecture;

/// <summary>
/// The dependency rules of docs/architecture.md, read from the project files themselves: a stage depends only on the
/// abstractions and the stages it feeds, and production code never needs the local infrastructure (a private
/// PostgreSQL, the embedded broker) except the silo's local mode.
/// </summary>
public class ProjectDependencyTests
{
    /// <summary>Every production project and the projects it may reference (directly).</summary>
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        ["Laevitas.Grains.Abstractions"] = [],
        ["Laevitas.Diagnostics"] = [],
        ["Laevitas.DeribitSimulator"] = [],
        ["Laevitas.Feed"] = ["Laevitas.Grains.Abstractions", "Laevitas.Diagnostics"],
        ["Laevitas.Streaming.Kafka"] = ["Laevitas.Grains.Abstractions", "Laevitas.Diagnostics"],
        ["Laevitas.Grains"] = ["Laevitas.Grains.Abstractions", "Laevitas.Streaming.Kafka", "Laevitas.Diagnostics"],
        ["Laevitas.LocalInfrastructure"] = ["Laevitas.Streaming.Kafka"],
        ["Laevitas.Export"] = ["Laevitas.Grains.Abstractions"],
        ["Laevitas.Client"] = ["Laevitas.Grains.Abstractions", "Laevitas.Export"],
        ["Laevitas.Silo"] =
        [
            "Laevitas.Grains.Abstractions", "Laevitas.Diagnostics", "Laevitas.Feed", "Laevitas.Grains",
            "Laevitas.Streaming.Kafka", "Laevitas.LocalInfrastructure", "Laevitas.DeribitSimulator", "Laevitas.Export",
        ],
    };

    [Fact]
    public void EveryProductionProjectReferencesOnlyWhatTheArchitectureAllows()
    {
        var problems = new List<string>();
        foreach (var project in ProductionProjects())
        {
            var name = Path.GetFileNameWithoutExtension(project);
            if (!Allowed.TryGetValue(name, out var allowed))
            {
                problems.Add($"{name}: not in docs/architecture.md's dependency table (add it to the table and to this test)");
                continue;
            }

            foreach (var reference in ProjectReferences(project))
            {
                if (!allowed.Contains(reference, StringComparer.Ordinal))
                {
                    problems.Add($"{name} references {reference}, which it may not");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void TheTableNamesEveryProductionProject()
    {
        var names = ProductionProjects().Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Allowed.Keys.Order(StringComparer.Ordinal).ToArray(), names);
    }

    [Fact]
    public void OnlyTheSilosLocalModeUsesTheLocalInfrastructure()
    {
        var silo = RepositoryFiles.PathOf("Laevitas.Silo");
        var users = Directory.EnumerateFiles(silo, "*.cs", SearchOption.AllDirectories)
            .Where(file => !IsBuildOutput(file))
            .Where(file => File.ReadAllText(file).Contains("using Laevitas.LocalInfrastructure", StringComparison.Ordinal))
            .Select(file => Path.GetRelativePath(silo, file).Replace('\\', '/'))
            .Where(file => !file.StartsWith("LocalMode/", StringComparison.Ordinal) && file != "Program.cs")
            .ToArray();
        Assert.True(users.Length == 0, "Outside Laevitas.Silo/LocalMode: " + string.Join(", ", users));
    }

    private static IEnumerable<string> ProductionProjects() =>
        Directory.EnumerateFiles(RepositoryFiles.Root, "*.csproj", SearchOption.AllDirectories)
            .Where(path => !IsBuildOutput(path))
            .Where(path =>
            {
                var relative = Path.GetRelativePath(RepositoryFiles.Root, path).Replace('\\', '/');
                return !relative.StartsWith("test/", StringComparison.Ordinal) && !relative.StartsWith("bench/", StringComparison.Ordinal);
            });

    private static IEnumerable<string> ProjectReferences(string project) =>
        XDocument.Load(project).Descendants("ProjectReference")
            .Select(reference => (string?)reference.Attribute("Include") ?? "")
            .Select(include => Path.GetFileNameWithoutExtension(include.Replace('\\', '/')));

    private static bool IsBuildOutput(string path)
    {
        var parts = path.Replace('\\', '/').Split('/');
        return parts.Contains("obj") || parts.Contains("bin");
    }
}
