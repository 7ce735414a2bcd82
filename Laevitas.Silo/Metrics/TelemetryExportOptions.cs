using OpenTelemetry.Exporter;

namespace Laevitas.Silo.Metrics;

/// <summary>
/// Section <c>Telemetry</c>: where metrics and Orleans' traces go besides the Prometheus scrape. Nothing is pushed
/// unless an OTLP endpoint is configured here or through the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable.
/// </summary>
public sealed class TelemetryExportOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>
    /// The standard OpenTelemetry variable. When it is set (and <see cref="OtlpEndpoint"/> is not), the exporter reads
    /// it and its siblings (<c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>_HEADERS</c>, ...) itself, as every OpenTelemetry SDK does.
    /// </summary>
    public const string StandardEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>OTLP collector base address (e.g. <c>http://otel-collector:4317</c>); empty = no OTLP export.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>Protocol for <see cref="OtlpEndpoint"/>: <c>Grpc</c> (port 4317) or <c>HttpProtobuf</c> (port 4318).</summary>
    public OtlpExportProtocol OtlpProtocol { get; set; } = OtlpExportProtocol.Grpc;
}
