using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Laevitas.Diagnostics;
using Laevitas.Silo.Metrics;
using Laevitas.Tests.Deploy;
using YamlDotNet.RepresentationModel;

namespace Laevitas.Tests.Monitoring;

/// <summary>
/// deploy/grafana/laevitas.json and the alert rules (deploy/prometheus/laevitas-rules.yaml and its PrometheusRule copy
/// in deploy/k8s/monitoring) name only metrics the silo exports. The exported names come from the silo's own metrics
/// pipeline run in-process (<see cref="SiloMetricsProbe"/>): every instrument of the exported meters, named as the
/// Prometheus exporter names it, that naming checked against a real scrape of <c>/metrics</c>.
/// </summary>
public sealed partial class MonitoringMetricNamesTests
{
    private static readonly Lazy<Task<SiloMetricsProbe>> Probe = new(SiloMetricsProbe.RunAsync);

    private static string RulesFile => RepositoryFiles.PathOf("deploy", "prometheus", "laevitas-rules.yaml");

    private static string PrometheusRuleFile => RepositoryFiles.PathOf("deploy", "k8s", "monitoring", "prometheusrule.yaml");

    private static string DashboardFile => RepositoryFiles.PathOf("deploy", "grafana", "laevitas.json");

    [Fact]
    public async Task EveryMetricTheDashboardAndTheRulesNameIsOneTheSiloExports()
    {
        var exported = await ExportedSeriesAsync();
        var used = DashboardMetrics().Select(m => ("dashboard", m))
            .Concat(RuleMetrics(RulesFile).Select(m => ("rules", m)))
            .Concat(RuleMetrics(PrometheusRuleFile).Select(m => ("PrometheusRule", m)))
            .Distinct().ToList();

        // Enough to know the extraction found the expressions at all (a dashboard of no panels would pass otherwise).
        Assert.True(used.Count(u => u.Item1 == "dashboard") >= 30, $"only {used.Count(u => u.Item1 == "dashboard")} metrics found in the dashboard");
        Assert.True(used.Count(u => u.Item1 == "rules") >= 10, $"only {used.Count(u => u.Item1 == "rules")} metrics found in the rules");
        var unknown = used.Where(u => !exported.Contains(u.Item2)).Select(u => $"{u.Item1}: {u.Item2}").ToList();
        Assert.True(unknown.Count == 0, "Not exported by the silo: " + string.Join(", ", unknown));
    }

    [Fact]
    public async Task TheNameConversionAgreesWithARealScrapeAndCoversTheWholeCatalog()
    {
        var probe = await Probe.Value;
        var families = Families(probe);

        // Every family the exporter actually wrote is one the conversion predicts: the conversion is the exporter's.
        var scraped = ScrapedFamilies().Matches(probe.Scrape).Select(m => m.Groups["name"].Value)
            .Where(n => !n.StartsWith("target_info", StringComparison.Ordinal) && !n.StartsWith("otel_", StringComparison.Ordinal))
            // Orleans' instruments come and go with the silos other tests run in this process (the probe hosts none),
            // so whether a scrape shows some depends on test order; the dashboard and rules use none of them.
            .Where(n => !n.StartsWith("orleans_", StringComparison.Ordinal)).ToList();
        Assert.True(scraped.Count >= 20, "scrape has too few families:\n" + probe.Scrape[..Math.Min(2000, probe.Scrape.Length)]);
        var unpredicted = scraped.Where(n => !families.ContainsKey(n)).ToList();
        Assert.True(unpredicted.Count == 0, "Scraped but not predicted: " + string.Join(", ", unpredicted));

        // Every catalog entry has an instrument, so the probe builds all the components that own one.
        var created = probe.Instruments.Where(i => i.Meter == LaevitasMetrics.MeterName).Select(i => i.Instrument.Name).ToHashSet();
        var catalog = typeof(LaevitasMetrics).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(LaevitasMetric)).Select(f => ((LaevitasMetric)f.GetValue(null)!).Name).ToList();
        var missing = catalog.Where(name => !created.Contains(name)).ToList();
        Assert.True(missing.Count == 0, "No instrument created for: " + string.Join(", ", missing));

        // The meters added for the dashboard are really the ones .NET and Npgsql publish under those names.
        Assert.Contains(probe.Instruments, i => i.Meter == MetricsHostingExtensions.RuntimeMeter && i.Instrument.Name == "dotnet.gc.collections");
        Assert.Contains(probe.Instruments, i => i.Meter == MetricsHostingExtensions.NpgsqlMeter && i.Instrument.Name.StartsWith("db.client.", StringComparison.Ordinal));
        // Orleans creates its instruments with the silo's services, not statically: without a silo the probe sees none,
        // so the dashboard and the rules use no orleans_* series (HttpApiTests scrapes a real silo for those).
    }

    [Fact]
    public void ThePrometheusRuleCarriesTheSameGroupsAsTheRulesFile()
    {
        var plain = Root(RulesFile)["groups"];
        var wrapped = Root(PrometheusRuleFile);
        Assert.Equal("PrometheusRule", ((YamlScalarNode)wrapped["kind"]).Value);
        Assert.Equal(Canonical(plain), Canonical(((YamlMappingNode)wrapped["spec"])["groups"]));
    }

    [Fact]
    public void TheExtractionSeesMetricNamesAndNothingElse()
    {
        var names = PromQlMetricNames.In(
            "histogram_quantile(0.95, sum by (le) (rate(laevitas_writer_batch_duration_milliseconds_bucket{instance=~\"$instance\", x='y'}[$__rate_interval])))"
            + " or (max by (instance) (laevitas_publish_spool_bytes) > 512 * 1024) unless on(instance) laevitas_stream_lag offset 10m")
            .ToList();
        Assert.Equal(["laevitas_writer_batch_duration_milliseconds_bucket", "laevitas_publish_spool_bytes", "laevitas_stream_lag"], names);
        Assert.Equal(["laevitas_publish_buffered"], PromQlMetricNames.InTemplateQuery("label_values(laevitas_publish_buffered, instance)"));
    }

    private static async Task<HashSet<string>> ExportedSeriesAsync()
    {
        var probe = await Probe.Value;
        return Families(probe).SelectMany(f => PrometheusNames.Series(f.Key, f.Value)).ToHashSet(StringComparer.Ordinal);
    }

    private static Dictionary<string, PrometheusNames.Kind> Families(SiloMetricsProbe probe)
    {
        var families = new Dictionary<string, PrometheusNames.Kind>(StringComparer.Ordinal);
        foreach (var (_, instrument) in probe.Instruments)
        {
            var kind = PrometheusNames.KindOf(instrument);
            families[PrometheusNames.Family(instrument.Name, instrument.Unit, kind)] = kind;
        }

        return families;
    }

    private static IEnumerable<string> DashboardMetrics()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(DashboardFile));
        var names = new List<string>();
        foreach (var expression in Walk(dashboard.RootElement, "expr"))
        {
            names.AddRange(PromQlMetricNames.In(expression));
        }

        foreach (var variable in dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
        {
            if (variable.GetProperty("type").GetString() == "query")
            {
                var query = variable.GetProperty("query");
                names.AddRange(PromQlMetricNames.InTemplateQuery(query.ValueKind == JsonValueKind.String ? query.GetString()! : query.GetProperty("query").GetString()!));
            }
        }

        return names;
    }

    private static IEnumerable<string> Walk(JsonElement element, string property)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var child in element.EnumerateObject())
            {
                if (child.Name == property && child.Value.ValueKind == JsonValueKind.String)
                {
                    yield return child.Value.GetString()!;
                }

                foreach (var found in Walk(child.Value, property))
                {
                    yield return found;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray().SelectMany(e => Walk(e, property)))
            {
                yield return item;
            }
        }
    }

    private static IEnumerable<string> RuleMetrics(string file)
    {
        var root = Root(file);
        var groups = root.Children.ContainsKey("spec") ? ((YamlMappingNode)root["spec"])["groups"] : root["groups"];
        foreach (var group in ((YamlSequenceNode)groups).Cast<YamlMappingNode>())
        {
            foreach (var rule in ((YamlSequenceNode)group["rules"]).Cast<YamlMappingNode>())
            {
                foreach (var name in PromQlMetricNames.In(((YamlScalarNode)rule["expr"]).Value!))
                {
                    yield return name;
                }
            }
        }
    }

    private static YamlMappingNode Root(string file) => (YamlMappingNode)KubernetesManifests.LoadYaml(file).Documents.Single().RootNode;

    private static string Canonical(YamlNode node) => node switch
    {
        YamlScalarNode scalar => JsonSerializer.Serialize(scalar.Value),
        YamlSequenceNode sequence => "[" + string.Join(",", sequence.Select(Canonical)) + "]",
        YamlMappingNode mapping => "{" + string.Join(",", mapping.Select(kv => Canonical(kv.Key) + ":" + Canonical(kv.Value))) + "}",
        _ => throw new InvalidOperationException(node.GetType().Name),
    };

    [GeneratedRegex(@"^# TYPE (?<name>\S+) \w+", RegexOptions.Multiline)]
    private static partial Regex ScrapedFamilies();
}
