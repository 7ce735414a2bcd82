using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Diagnostics;

namespace Laevitas.Silo.Metrics;

/// <summary>
/// Prometheus metrics at <c>/metrics</c> through OpenTelemetry, and, when an OTLP endpoint is configured, the same
/// metrics plus Orleans' traces pushed to it.
/// </summary>
public static class MetricsHostingExtensions
{
    /// <summary>The pipeline's own meter (feed, dispatch, publisher, stream, writer).</summary>
    public const string LaevitasMeter = "Laevitas";

    /// <summary>Orleans' runtime meter (messaging, activations, membership, ...).</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>The meter built into .NET 9 and later: GC, CPU time, working set, thread pool, JIT, exceptions.</summary>
    public const string RuntimeMeter = "System.Runtime";

    /// <summary>Npgsql's meter (8.0 and later): command duration, connections in use and idle per data source.</summary>
    public const string NpgsqlMeter = "Npgsql";

    /// <summary>
    /// Series one metric may have; the SDK allocates every stream's points up front for this many. At its default of
    /// 2,000 the silo's ~300 streams held 42.5 MB of the large-object heap, idle or not (a heap dump:
    /// bench/results.md, "Metric points"), for metrics with a few dozen series at most. The widest of ours, the
    /// stream lag, is topic × partition: 256 series for both topics at 128 partitions. Past the limit the SDK folds
    /// new tag combinations into one overflow series (<c>otel_metric_overflow="true"</c>) rather than dropping them.
    /// </summary>
    internal const int MaxSeriesPerMetric = 500;

    private const string MetricsExporter = "laevitas-metrics";
    private const string TracesExporter = "laevitas-traces";

    /// <summary>Every meter the silo exports, in the order they are added.</summary>
    public static IReadOnlyList<string> ExportedMeters { get; } = [LaevitasMeter, OrleansMeter, RuntimeMeter, NpgsqlMeter];

    /// <summary>
    /// Orleans' spans: grain calls made by the runtime and by application grains. Orleans only starts them when a
    /// listener exists and <c>AddActivityPropagation</c> carries the trace context across grain calls.
    /// </summary>
    public static IReadOnlyList<string> OrleansActivitySources { get; } =
        [ActivitySources.RuntimeActivitySourceName, ActivitySources.ApplicationGrainActivitySourceName];

    /// <summary>
    /// Exports <see cref="ExportedMeters"/> for the Prometheus scrape, and makes sure the components that create their
    /// instruments lazily have done so at start, so every series is there from the first scrape. With an OTLP endpoint
    /// (<c>Telemetry:OtlpEndpoint</c> or <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>) also pushes the metrics and Orleans'
    /// traces there; without one, nothing is pushed and no span is created.
    /// </summary>
    public static IHostApplicationBuilder AddLaevitasMetrics(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<TelemetryExportOptions>().BindConfiguration(TelemetryExportOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TelemetryExportOptions>, TelemetryExportOptionsValidator>();

        services.AddMetrics();
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("laevitas-silo"))
            .WithMetrics(metrics =>
            {
                foreach (var meter in ExportedMeters)
                {
                    metrics.AddMeter(meter);
                }

                // Every instrument: only the cardinality limit, nothing else of the stream changes.
                metrics.AddView(static _ => new MetricStreamConfiguration { CardinalityLimit = MaxSeriesPerMetric });
                metrics.AddPrometheusExporter();
            });
        services.AddHostedService<MetricSourcesActivator>();

        // Decided while the host is built: exporters and trace sources cannot be added to a running provider. The
        // options are bound again (and validated at start) for the exporters and the log line.
        var section = builder.Configuration.GetSection(TelemetryExportOptions.SectionName);
        var configuredEndpoint = section.Get<TelemetryExportOptions>()?.OtlpEndpoint;
        var standardEndpoint = builder.Configuration[TelemetryExportOptions.StandardEndpointVariable];
        if (configuredEndpoint is null && string.IsNullOrWhiteSpace(standardEndpoint))
        {
            return builder;
        }

        // One named exporter options per signal: over HTTP each signal has its own path under the base address.
        telemetry
            .WithMetrics(metrics => metrics.AddOtlpExporter(MetricsExporter, configure: static _ => { }))
            .WithTracing(tracing => tracing.AddSource([.. OrleansActivitySources]).AddOtlpExporter(TracesExporter, configure: static _ => { }));
        services.AddOptions<OtlpExporterOptions>(MetricsExporter).Configure<IOptions<TelemetryExportOptions>>(
            (exporter, options) => ConfigureExporter(exporter, options.Value, "v1/metrics"));
        services.AddOptions<OtlpExporterOptions>(TracesExporter).Configure<IOptions<TelemetryExportOptions>>(
            (exporter, options) => ConfigureExporter(exporter, options.Value, "v1/traces"));
        builder.UseOrleans(silo => silo.AddActivityPropagation());
        services.AddHostedService(provider => new OtlpExportAnnouncer(
            configuredEndpoint is null ? $"{standardEndpoint} ({TelemetryExportOptions.StandardEndpointVariable})" : $"{configuredEndpoint} ({section[nameof(TelemetryExportOptions.OtlpProtocol)] ?? nameof(OtlpExportProtocol.Grpc)})",
            provider.GetRequiredService<ILogger<OtlpExportAnnouncer>>()));
        return builder;
    }

    /// <summary>Maps the Prometheus scrape endpoint at <c>/metrics</c>.</summary>
    public static IEndpointRouteBuilder MapLaevitasMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint("/metrics").ExcludeFromDescription();
        return endpoints;
    }

    private static void ConfigureExporter(OtlpExporterOptions exporter, TelemetryExportOptions options, string httpSignalPath)
    {
        // Only Telemetry:OtlpEndpoint is applied here; with just OTEL_EXPORTER_OTLP_* the exporter has read them already.
        if (options.OtlpEndpoint is not { } endpoint)
        {
            return;
        }

        // An endpoint set in code is used as it is (the SDK appends /v1/<signal> only to OTEL_EXPORTER_OTLP_ENDPOINT),
        // so over HTTP the signal's path is added here; gRPC addresses the service by name, not by path.
        exporter.Protocol = options.OtlpProtocol;
        exporter.Endpoint = options.OtlpProtocol == OtlpExportProtocol.HttpProtobuf
            ? new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/" + httpSignalPath)
            : endpoint;
    }
}
