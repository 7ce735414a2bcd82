using System.Text.RegularExpressions;

namespace Laevitas.Tests.Monitoring;

/// <summary>
/// The metric names a PromQL expression reads. Not a PromQL parser: it strips what cannot be a metric name (strings,
/// label matchers, range and subquery brackets, grouping label lists, Grafana variables) and keeps the identifiers that
/// are not function calls, keywords or numbers. Good enough for the expressions this project ships, and strict in the
/// direction that matters: a misspelt metric is still extracted, so it fails the comparison.
/// </summary>
internal static partial class PromQlMetricNames
{
    private static readonly HashSet<string> Keywords =
        ["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless", "inf", "nan"];

    public static IEnumerable<string> In(string expression)
    {
        var text = GrafanaVariable().Replace(expression, " ");
        text = StringLiteral().Replace(text, " ");
        text = LabelMatchers().Replace(text, " ");
        text = RangeOrSubquery().Replace(text, " ");
        text = GroupingLabels().Replace(text, " ");
        foreach (Match identifier in Identifier().Matches(text))
        {
            var name = identifier.Groups["name"].Value;
            var isCall = identifier.Groups["call"].Success;
            if (!isCall && !Keywords.Contains(name.ToLowerInvariant()))
            {
                yield return name;
            }
        }
    }

    /// <summary>The metric of a Grafana template query such as <c>label_values(metric, label)</c>.</summary>
    public static IEnumerable<string> InTemplateQuery(string query)
    {
        var match = LabelValuesOfMetric().Match(query);
        return match.Success ? In(match.Groups["selector"].Value) : In(query);
    }

    [GeneratedRegex(@"\$\{[^}]*\}|\$\w+")]
    private static partial Regex GrafanaVariable();

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""|'(?:[^'\\]|\\.)*'|`[^`]*`")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex RangeOrSubquery();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", RegexOptions.IgnoreCase)]
    private static partial Regex GroupingLabels();

    // A name starting with a digit is a number (0.95, 1e9); an identifier followed by "(" is a function.
    [GeneratedRegex(@"(?<![\w.:])(?<name>[A-Za-z_:][A-Za-z0-9_:]*)(?<call>\s*\()?")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"^\s*label_values\s*\(\s*(?<selector>[^,]+),")]
    private static partial Regex LabelValuesOfMetric();
}
