using System.Diagnostics.Metrics;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Testing;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Laevitas.Tests.Silo.Api;

/// <summary>
/// The Prometheus scrape of a silo wired like Program.cs, with a live pipeline (simulator → feed → grains → Kafka →
/// PostgreSQL), alone in the process as in production (see <see cref="SoleHostCollection"/>).
/// </summary>
[Collection(SoleHostCollection.Name)]
public sealed class MetricsEndpointTests(ApiEnvironment environment) : IClassFixture<ApiEnvironment>
{
    [Fact]
    public async Task MetricsEndpointExposesThePipelineSeries()
    {
        var silo = await environment.SiloAsync();
        using var hostMetrics = new HostMeterReader(silo.App.Services.GetRequiredService<IMeterFactory>());
        await ApiWait.InstrumentWithTicksAsync(environment, silo, InstrumentKind.Option);
        string[] series =
        [
            "laevitas_feed_ticks_total", "laevitas_feed_parse_errors_total", "laevitas_feed_reconnects_total", "laevitas_feed_connections",
            "laevitas_dispatch_ticks_total", "laevitas_publish_published_total", "laevitas_publish_dropped_total", "laevitas_publish_buffered",
            "laevitas_writer_rows_total", "laevitas_writer_batches_total", "laevitas_writer_batch_duration_milliseconds_bucket",
            "laevitas_writer_batch_size_bucket", "laevitas_stream_lag", "orleans_catalog_activations",
        ];

        // This silo's own instruments count its ticks through each stage, and the scrape shows every stage's series.
        string text = "";
        Dictionary<string, double> own = [];
        await Eventually.TrueAsync(async () =>
            {
                own = hostMetrics.Collect();
                text = await silo.Http.GetStringAsync("metrics");
                return own.GetValueOrDefault("laevitas.feed.ticks") > 0 && own.GetValueOrDefault("laevitas.publish.published") > 0
                    && own.GetValueOrDefault("laevitas.writer.rows") > 0 && series.All(s => SampleValue(text, s) is not null);
            },
            ApiWait.Timeout, "this silo's ticks counted and every series in /metrics",
            () => $"host meter: {string.Join(", ", own.Where(kv => kv.Key is "laevitas.feed.ticks" or "laevitas.publish.published" or "laevitas.writer.rows"))}; "
                + $"missing from /metrics: {string.Join(", ", series.Where(s => SampleValue(text, s) is null))}");

        Assert.True(SampleValue(text, "laevitas_writer_rows_total") > 0);
        Assert.Contains("# TYPE laevitas_feed_ticks_total counter", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMetricHasAtMostTheSeriesLimitAndTheRestGoesToItsOverflowSeries()
    {
        // The silo caps every metric's series (MetricsHostingExtensions.MaxSeriesPerMetric): the SDK allocates a
        // metric's points up front for the cap. Past it, new tag combinations are summed into one overflow series.
        var silo = await environment.SiloAsync();
        var limit = Laevitas.Silo.Metrics.MetricsHostingExtensions.MaxSeriesPerMetric;
        var meter = silo.App.Services.GetRequiredService<IMeterFactory>().Create(Laevitas.Silo.Metrics.MetricsHostingExtensions.LaevitasMeter);
        var counter = meter.CreateCounter<long>("laevitas.test.series.cap");
        var combinations = limit + 100;
        for (var i = 0; i < combinations; i++)
        {
            counter.Add(1, new KeyValuePair<string, object?>("n", i));
        }

        string[] lines = [];
        await Eventually.TrueAsync(async () =>
            {
                lines = (await silo.Http.GetStringAsync("metrics")).Split('\n').Where(l => l.StartsWith("laevitas_test_series_cap_total{", StringComparison.Ordinal)).ToArray();
                return lines.Length > 0;
            },
            ApiWait.Timeout, "the test counter in /metrics", () => $"{lines.Length} series");

        var overflow = lines.Where(l => l.Contains("otel_metric_overflow=\"true\"", StringComparison.Ordinal)).ToArray();
        var total = lines.Sum(l => double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
        // The SDK keeps one of the cap's points for the series without tags, so the tagged ones number one fewer.
        Assert.InRange(lines.Length - overflow.Length, limit - 1, limit);
        Assert.Single(overflow);
        Assert.Equal(combinations, total);
    }

    /// <summary>The value of the first sample of <paramref name="series"/> (any labels) in Prometheus text, or null.</summary>
    internal static double? SampleValue(string text, string series)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(series, StringComparison.Ordinal) && line.Length > series.Length && line[series.Length] is '{' or ' ')
            {
                var value = line[(line.LastIndexOf('}') is var brace and >= 0 ? brace + 1 : series.Length)..].Trim().Split(' ')[0];
                return double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return null;
    }
}
