using System.Diagnostics.Metrics;
using System.Text;

namespace Laevitas.Tests.Monitoring;

/// <summary>
/// The names under which OpenTelemetry's Prometheus exporter shows an instrument: the name with every run of
/// characters outside [A-Za-z0-9:] as one "_", the unit without its {annotations} in words ("s" → seconds, "By" →
/// bytes) appended unless the name already ends with it, "_total" on counters, "_bucket"/"_sum"/"_count" on histograms.
/// Written from the exporter's rules; <see cref="MonitoringMetricNamesTests"/> checks it against a real scrape.
/// </summary>
internal static class PrometheusNames
{
    private static readonly Dictionary<string, string> Units = new(StringComparer.Ordinal)
    {
        ["d"] = "days", ["h"] = "hours", ["min"] = "minutes", ["s"] = "seconds", ["ms"] = "milliseconds",
        ["us"] = "microseconds", ["ns"] = "nanoseconds", ["By"] = "bytes", ["KiBy"] = "kibibytes", ["MiBy"] = "mebibytes",
        ["GiBy"] = "gibibytes", ["B"] = "bytes", ["1"] = "", ["%"] = "percent",
    };

    public enum Kind { Counter, Gauge, Histogram }

    public static Kind KindOf(Instrument instrument)
    {
        var type = instrument.GetType();
        var generic = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        if (generic == typeof(Counter<>) || generic == typeof(ObservableCounter<>))
        {
            return Kind.Counter;
        }

        return generic == typeof(Histogram<>) ? Kind.Histogram : Kind.Gauge;
    }

    /// <summary>The metric family name (a histogram's, without the sample suffixes).</summary>
    public static string Family(string name, string? unit, Kind kind)
    {
        var family = Sanitize(name);
        if (!string.IsNullOrEmpty(unit))
        {
            var words = UnitWords(unit);
            // Appended unless the name already ends with it: Npgsql's db.client.operation.npgsql.bytes_read (unit By)
            // is scraped as ..._bytes_read_bytes_total, so a unit word inside the name does not count.
            if (words.Length > 0 && !family.EndsWith(words, StringComparison.Ordinal))
            {
                family += "_" + words;
            }
        }

        if (kind == Kind.Counter && !family.EndsWith("_total", StringComparison.Ordinal))
        {
            family += "_total";
        }

        if (kind == Kind.Gauge && unit == "1" && !family.Contains("ratio", StringComparison.Ordinal))
        {
            family += "_ratio";
        }

        return family;
    }

    /// <summary>Every series name a query can use for the instrument.</summary>
    public static IEnumerable<string> Series(string family, Kind kind) =>
        kind == Kind.Histogram ? [family + "_bucket", family + "_sum", family + "_count"] : [family];

    private static string UnitWords(string unit)
    {
        var withoutAnnotations = new StringBuilder();
        var depth = 0;
        foreach (var c in unit)
        {
            depth += c == '{' ? 1 : c == '}' && depth > 0 ? -1 : 0;
            if (depth == 0 && c != '}')
            {
                withoutAnnotations.Append(c);
            }
        }

        var bare = withoutAnnotations.ToString();
        var slash = bare.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0 && slash < bare.Length - 1)
        {
            return Word(bare[..slash]) + "_per_" + bare[(slash + 1)..] switch { "s" => "second", "m" => "minute", "h" => "hour", "d" => "day", var other => other };
        }

        return Word(bare);

        static string Word(string u) => Units.TryGetValue(u, out var word) ? word : u;
    }

    private static string Sanitize(string name)
    {
        var result = new StringBuilder(name.Length);
        var lastUnderscore = false;
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var keep = char.IsAsciiLetterOrDigit(c) || c == ':';
            if (i == 0 && char.IsAsciiDigit(c))
            {
                keep = false;
            }

            if (keep)
            {
                result.Append(c);
                lastUnderscore = false;
            }
            else if (!lastUnderscore)
            {
                result.Append('_');
                lastUnderscore = true;
            }
        }

        return result.ToString();
    }
}
