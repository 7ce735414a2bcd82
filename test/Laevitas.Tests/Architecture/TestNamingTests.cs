using System.Text.RegularExpressions;
using Laevitas.Tests.Deploy;

namespace Laevitas.Tests.Architecture;

/// <summary>
/// One test-name style across the test projects (issue 19): a test method is named in PascalCase, as a sentence
/// saying what holds (<c>KillingAFeedSiloLosesNoTick</c>). Read from the sources, so the chaos and container tests,
/// which this project does not reference, are checked too.
/// </summary>
public partial class TestNamingTests
{
    [Fact]
    public void EveryTestMethodIsNamedInPascalCase()
    {
        var offenders = new List<string>();
        var files = Directory.EnumerateFiles(RepositoryFiles.PathOf("test"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        int tests = 0, attributes = 0;
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            attributes += TestAttribute().Count(text);
            foreach (Match match in TestMethod().Matches(text))
            {
                tests++;
                var name = match.Groups["name"].Value;
                if (!PascalCase().IsMatch(name))
                {
                    offenders.Add($"{Path.GetRelativePath(RepositoryFiles.Root, file)}: {name}");
                }
            }
        }

        // The scan must see every test, or it proves nothing: each [Fact]/[Theory] must lead to the method it marks.
        Assert.True(tests > 400, $"only {tests} test methods found under test/");
        Assert.Equal(attributes, tests);
        Assert.True(offenders.Count == 0, "Test methods not in PascalCase:\n" + string.Join("\n", offenders));
    }

    [Theory]
    [InlineData("KillingAFeedSiloLosesNoTick", true)]
    [InlineData("A1000TickBurstIsStored", true)]
    [InlineData("Killing_a_feed_silo_loses_no_tick", false)]
    [InlineData("killingAFeedSilo", false)]
    public void ThePatternTellsTheStylesApart(string name, bool pascal) => Assert.Equal(pascal, PascalCase().IsMatch(name));

    // A [Fact] or [Theory] (with any further attributes, e.g. [InlineData], or comments on their own lines) and the method it marks.
    [GeneratedRegex(@"\[(?:Fact|Theory)\b[^\n]*\n(?:\s*(?:\[|//)[^\n]*\n)*\s*public (?:async )?(?:Task|void) (?<name>\w+)\(")]
    private static partial Regex TestMethod();

    [GeneratedRegex(@"^\s*\[(?:Fact|Theory)\b", RegexOptions.Multiline)]
    private static partial Regex TestAttribute();

    [GeneratedRegex("^[A-Z][A-Za-z0-9]*$")]
    private static partial Regex PascalCase();
}
