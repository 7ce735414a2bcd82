using System.Text.RegularExpressions;
using Laevitas.Tests.Deploy;

namespace Laevitas.Tests.Architecture;

/// <summary>
/// Test folders mirror the source folders (issue 19): a test of <c>Laevitas.Grains/Publishing/KafkaTickPublisher</c>
/// lives in <c>test/Laevitas.Tests/Grains/Publishing/</c>. The first folder is the production project's name without
/// <c>Laevitas.</c> and up to its next dot (<c>Streaming.Kafka</c> → <c>Streaming</c>; <c>Grains.Abstractions</c>
/// shares <c>Grains</c> with the grains themselves), the folders below it must exist in that project. Only the
/// cross-cutting suites and the shared helpers have top-level folders of their own. Read from the disk, so a new test
/// folder that mirrors nothing fails here.
/// </summary>
public partial class TestFolderTests
{
    /// <summary>Suites that test no one project (and the shared helpers and data files); anything may sit below them.</summary>
    private static readonly string[] CrossCutting =
        ["Architecture", "Deploy", "EndToEnd", "FirstRun", "Fixtures", "Infrastructure", "Monitoring", "Recordings"];

    private static readonly string TestProject = RepositoryFiles.PathOf("test", "Laevitas.Tests");

    [Fact]
    public void EveryTestFolderIsCrossCuttingOrMirrorsASourceFolder()
    {
        var folders = TestFolders().ToList();

        // The scan must see the tree, or it proves nothing.
        Assert.Contains("Grains/Publishing", folders);
        var offenders = folders.Where(folder => !IsAllowed(folder)).ToList();
        Assert.True(offenders.Count == 0,
            "Test folders that mirror no production folder (move the tests to test/Laevitas.Tests/<project>/<folder>/, " +
            "see docs/architecture.md, Conventions):\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void EveryTestSourceDeclaresTheNamespaceOfItsFolder()
    {
        var offenders = new List<string>();
        var files = Directory.EnumerateFiles(TestProject, "*.cs", SearchOption.AllDirectories)
            .Where(file => !IsBuildOutput(Path.GetRelativePath(TestProject, file)))
            .ToList();
        foreach (var file in files)
        {
            var folder = Path.GetDirectoryName(Path.GetRelativePath(TestProject, file))!;
            var expected = folder.Length == 0 ? "Laevitas.Tests" : "Laevitas.Tests." + folder.Replace(Path.DirectorySeparatorChar, '.');
            var declared = FileScopedNamespace().Match(File.ReadAllText(file));
            if (!declared.Success || declared.Groups["name"].Value != expected)
            {
                offenders.Add($"{Path.GetRelativePath(RepositoryFiles.Root, file)}: expected namespace {expected}");
            }
        }

        Assert.True(files.Count > 100, $"only {files.Count} test sources found");
        Assert.True(offenders.Count == 0, "Test sources whose namespace is not their folder's:\n" + string.Join("\n", offenders));
    }

    [Theory]
    [InlineData("Grains", true)]
    [InlineData("Grains/Publishing", true)]
    [InlineData("Grains/Instruments", true)]
    [InlineData("Grains/Api", true)]
    [InlineData("Grains/Storage/Sql", true)]
    [InlineData("Streaming/Providers", true)]
    [InlineData("Silo/Api/Authentication", true)]
    [InlineData("Fixtures/deribit", true)]
    [InlineData("EndToEnd", true)]
    [InlineData("Grains/Spool", false)]
    [InlineData("Streaming/Kafka", false)]
    [InlineData("Embedded", false)]
    [InlineData("Simulator", false)]
    public void TheRuleTellsMirroringFoldersApart(string folder, bool allowed) => Assert.Equal(allowed, IsAllowed(folder));

    /// <summary>Every folder below the test project, as a '/'-separated path relative to it.</summary>
    private static IEnumerable<string> TestFolders() =>
        Directory.EnumerateDirectories(TestProject, "*", SearchOption.AllDirectories)
            .Select(directory => Path.GetRelativePath(TestProject, directory).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(folder => !IsBuildOutput(folder));

    private static bool IsBuildOutput(string relative)
    {
        var first = relative.Split('/', Path.DirectorySeparatorChar)[0];
        return first is "bin" or "obj" || first.StartsWith('.');
    }

    private static bool IsAllowed(string folder)
    {
        var parts = folder.Split('/');
        if (CrossCutting.Contains(parts[0], StringComparer.Ordinal))
        {
            return true;
        }

        var below = Path.Combine(parts[1..]);
        return ProductionProjects()
            .Where(project => TestFolderOf(project) == parts[0])
            .Any(project => Directory.Exists(Path.Combine(RepositoryFiles.Root, project, below)));
    }

    /// <summary><c>Laevitas.Streaming.Kafka</c> → <c>Streaming</c>, <c>Laevitas.Grains.Abstractions</c> → <c>Grains</c>.</summary>
    private static string TestFolderOf(string project) => project["Laevitas.".Length..].Split('.')[0];

    /// <summary>The production projects: the folders at the repository's root that hold a project of their name.</summary>
    private static IEnumerable<string> ProductionProjects() =>
        Directory.EnumerateDirectories(RepositoryFiles.Root, "Laevitas.*")
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => File.Exists(Path.Combine(RepositoryFiles.Root, name, name + ".csproj")));

    [GeneratedRegex(@"^namespace (?<name>[\w.]+);", RegexOptions.Multiline)]
    private static partial Regex FileScopedNamespace();
}
