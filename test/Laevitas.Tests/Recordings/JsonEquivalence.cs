using System.Text.Json;
using System.Text.Json.Nodes;

namespace Laevitas.Tests.Recordings;

/// <summary>
/// Compares two JSON values as data: the same properties (in any order) with equal values, numbers as the doubles
/// they denote (<c>0</c> equals <c>0.0</c>, as for any JSON reader), strings exactly. Reports the first difference's path.
/// </summary>
public static class JsonEquivalence
{
    public static void AssertEquivalent(JsonNode? expected, JsonNode? actual, string context)
    {
        var difference = Difference(expected, actual, "$");
        Assert.True(difference is null, $"{context}: {difference}\nexpected {expected?.ToJsonString()}\nactual   {actual?.ToJsonString()}");
    }

    private static string? Difference(JsonNode? expected, JsonNode? actual, string path)
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null ? null : $"{path}: {Show(expected)} vs {Show(actual)}";
        }

        switch (expected)
        {
            case JsonObject e when actual is JsonObject a:
                foreach (var (name, value) in e)
                {
                    if (!a.TryGetPropertyValue(name, out var other))
                    {
                        return $"{path}.{name} missing";
                    }

                    if (Difference(value, other, $"{path}.{name}") is { } inner)
                    {
                        return inner;
                    }
                }

                var extra = a.Select(p => p.Key).FirstOrDefault(name => !e.ContainsKey(name));
                return extra is null ? null : $"{path}.{extra} not in the original";
            case JsonArray e when actual is JsonArray a:
                if (e.Count != a.Count)
                {
                    return $"{path}: {e.Count} vs {a.Count} elements";
                }

                for (var i = 0; i < e.Count; i++)
                {
                    if (Difference(e[i], a[i], $"{path}[{i}]") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValue e when actual is JsonValue a:
                var ek = e.GetValueKind();
                var ak = a.GetValueKind();
                if (ek == JsonValueKind.Number && ak == JsonValueKind.Number)
                {
                    return AsDouble(e) == AsDouble(a) ? null : $"{path}: {Show(e)} vs {Show(a)}";
                }

                return ek == ak && e.ToJsonString() == a.ToJsonString() ? null : $"{path}: {Show(e)} vs {Show(a)}";
            default:
                return $"{path}: {Show(expected)} vs {Show(actual)}";
        }
    }

    private static double AsDouble(JsonValue value) =>
        double.Parse(value.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);

    private static string Show(JsonNode? node) => node?.ToJsonString() ?? "absent/null";
}
