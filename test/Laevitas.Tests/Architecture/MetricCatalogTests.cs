using System.Reflection;
using Laevitas.Diagnostics;
using Laevitas.Tests.Deploy;

namespace Laevitas.Tests.Architecture;

/// <summary>
/// <see cref="LaevitasMetrics"/> is the one list of the silo's instruments: names are unique, and the README's list of
/// metric series names every one of them (as Prometheus shows it: dots become underscores).
/// </summary>
public class MetricCatalogTests
{
    private static readonly LaevitasMetric[] Catalog = typeof(LaevitasMetrics)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.FieldType == typeof(LaevitasMetric))
        .Select(field => (LaevitasMetric)field.GetValue(null)!)
        .ToArray();

    [Fact]
    public void EveryMetricHasItsOwnNameOnTheLaevitasMeter()
    {
        Assert.NotEmpty(Catalog);
        var repeated = Catalog.GroupBy(metric => metric.Name).Where(group => group.Count() > 1).Select(group => group.Key).ToArray();
        Assert.True(repeated.Length == 0, "Named twice: " + string.Join(", ", repeated));
        Assert.All(Catalog, metric => Assert.StartsWith("laevitas.", metric.Name, StringComparison.Ordinal));
    }

    [Fact]
    public void TheReadmeListsEveryMetric()
    {
        var readme = File.ReadAllText(RepositoryFiles.PathOf("README.md"));
        var missing = Catalog
            .Select(metric => metric.Name.Replace('.', '_'))
            .Where(series => !readme.Contains("`" + series, StringComparison.Ordinal))
            .ToArray();
        Assert.True(missing.Length == 0, "README.md does not list: " + string.Join(", ", missing));
    }
}
