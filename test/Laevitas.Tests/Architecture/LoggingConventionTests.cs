using System.Reflection;
using Laevitas.Tests.Deploy;
using Microsoft.Extensions.Logging;

namespace Laevitas.Tests.Architecture;

/// <summary>
/// The logging rule of docs/architecture.md ("Logging: event-id ranges"), read from the compiled assemblies: every
/// <c>[LoggerMessage]</c> in production code has an explicit event id, inside the range its component (the declaring
/// type's namespace) owns, and no id is used twice in the solution.
/// </summary>
public class LoggingConventionTests
{
    /// <summary>Namespace (and the namespaces under it) → the event ids it owns; the longest matching prefix wins.</summary>
    internal static readonly (string Namespace, int First, int Last)[] Ranges =
    [
        ("Laevitas.Grains.Abstractions", 1000, 1099),
        ("Laevitas.Diagnostics", 1100, 1199),
        ("Laevitas.Export", 1200, 1299),
        ("Laevitas.Client", 1300, 1399),
        ("Laevitas.Grains.Instruments", 2000, 2099),
        ("Laevitas.Grains.Writing", 2100, 2199),
        ("Laevitas.Grains.Publishing", 2200, 2299),
        ("Laevitas.Grains.Trades", 2300, 2399),
        ("Laevitas.Grains", 2400, 2499),
        ("Laevitas.Feed", 3000, 3099),
        ("Laevitas.Silo.FeedPlacement", 3100, 3199),
        ("Laevitas.Grains.Retention", 3200, 3299),
        ("Laevitas.Streaming.Kafka", 4000, 4099),
        ("Laevitas.Streaming.Kafka.Providers", 4100, 4199),
        ("Laevitas.Streaming.Kafka.Native", 4200, 4299),
        ("Laevitas.Silo.Dispatch", 5000, 5099),
        ("Laevitas.Silo.Stats", 5200, 5299),
        ("Laevitas.Silo.Metrics", 5300, 5399),
        ("Laevitas.Silo.Api", 5400, 5499),
        ("Laevitas.Silo.Clustering", 5500, 5599),
        ("Laevitas.Silo", 5600, 5999),
        ("Laevitas.LocalInfrastructure", 6000, 6999),
        ("Laevitas.DeribitSimulator", 7000, 7999),
    ];

    private static readonly string[] ProductionAssemblies =
    [
        "Laevitas.Feed", "Laevitas.Grains", "Laevitas.Grains.Abstractions", "Laevitas.Streaming.Kafka", "Laevitas.Silo",
        "Laevitas.LocalInfrastructure", "Laevitas.DeribitSimulator", "Laevitas.Diagnostics", "Laevitas.Export",
        "laevitas", // Laevitas.Client (its AssemblyName)
    ];

    [Fact]
    public void EveryLoggerMessageHasAUniqueEventIdInItsComponentsRange()
    {
        var messages = LoggerMessages().ToArray();
        Assert.True(messages.Length >= 100, $"only {messages.Length} [LoggerMessage] methods found; is an assembly missing?");
        var problems = Problems(messages);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void TheRangesDoNotOverlap()
    {
        var sorted = Ranges.OrderBy(range => range.First).ToArray();
        for (var i = 1; i < sorted.Length; i++)
        {
            Assert.True(sorted[i - 1].Last < sorted[i].First, $"{sorted[i - 1].Namespace} and {sorted[i].Namespace} overlap");
        }
    }

    [Fact]
    public void DocsArchitectureListsEveryRange()
    {
        var doc = File.ReadAllText(RepositoryFiles.PathOf("docs", "architecture.md"));
        var missing = Ranges.Where(range => !doc.Contains($"| `{range.Namespace}` | {range.First}–{range.Last} |", StringComparison.Ordinal))
            .Select(range => $"{range.Namespace} {range.First}–{range.Last}")
            .ToArray();
        Assert.True(missing.Length == 0, "docs/architecture.md does not list: " + string.Join(", ", missing));
    }

    /// <summary>Every problem with the given methods, one line each, naming the method.</summary>
    internal static List<string> Problems(IEnumerable<(MethodInfo Method, LoggerMessageAttribute Attribute)> messages)
    {
        var problems = new List<string>();
        var owners = new Dictionary<int, string>();
        foreach (var (method, attribute) in messages)
        {
            var name = $"{method.DeclaringType!.FullName}.{method.Name}";
            var id = attribute.EventId;
            var range = RangeOf(method.DeclaringType!.Namespace ?? "");
            if (id <= 0)
            {
                problems.Add($"{name}: no EventId (the generator would make up a hash id)");
                continue;
            }

            if (range is null)
            {
                problems.Add($"{name}: namespace {method.DeclaringType.Namespace} owns no event-id range (add one to docs/architecture.md and this test)");
            }
            else if (id < range.Value.First || id > range.Value.Last)
            {
                problems.Add($"{name}: EventId {id} is outside {range.Value.Namespace}'s range {range.Value.First}–{range.Value.Last}");
            }

            if (!owners.TryAdd(id, name))
            {
                problems.Add($"{name}: EventId {id} is also used by {owners[id]}");
            }
        }

        return problems;
    }

    private static (string Namespace, int First, int Last)? RangeOf(string ns)
    {
        (string Namespace, int First, int Last)? best = null;
        foreach (var range in Ranges)
        {
            if ((ns == range.Namespace || ns.StartsWith(range.Namespace + ".", StringComparison.Ordinal))
                && (best is null || range.Namespace.Length > best.Value.Namespace.Length))
            {
                best = range;
            }
        }

        return best;
    }

    private static IEnumerable<(MethodInfo Method, LoggerMessageAttribute Attribute)> LoggerMessages() =>
        from assemblyName in ProductionAssemblies
        let assembly = Assembly.Load(new AssemblyName(assemblyName))
        from type in assembly.GetTypes()
        from method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
        let attribute = method.GetCustomAttribute<LoggerMessageAttribute>()
        where attribute is not null
        select (method, attribute);
}
