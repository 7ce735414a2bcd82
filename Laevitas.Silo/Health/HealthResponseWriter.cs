using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Laevitas.Silo.Health;

/// <summary>
/// Writes a health report as JSON: overall status, the names of the checks that failed (Unhealthy: what makes a probe
/// fail) and of those that are degraded (reported, not failing it), and each check's status, description, duration
/// and data — so a probe says which dependency is down.
/// </summary>
internal static class HealthResponseWriter
{
    private static readonly JsonWriterOptions Options = new() { Indented = true };

    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        // Built in memory: JsonSerializer flushes the writer synchronously, which Kestrel's response stream refuses.
        var buffer = new ArrayBufferWriter<byte>(1024);
        await using var json = new Utf8JsonWriter(buffer, Options);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteNumber("durationMs", Math.Round(report.TotalDuration.TotalMilliseconds, 1));
        WriteNames(json, "failed", report, HealthStatus.Unhealthy);
        WriteNames(json, "degraded", report, HealthStatus.Degraded);
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status.ToString());
            json.WriteString("description", entry.Description);
            json.WriteNumber("durationMs", Math.Round(entry.Duration.TotalMilliseconds, 1));
            if (entry.Exception is { } ex)
            {
                json.WriteString("error", $"{ex.GetType().Name}: {ex.Message}");
            }

            if (entry.Data.Count > 0)
            {
                json.WriteStartObject("data");
                foreach (var (key, value) in entry.Data)
                {
                    json.WritePropertyName(key);
                    JsonSerializer.Serialize(json, value, value?.GetType() ?? typeof(object));
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    private static void WriteNames(Utf8JsonWriter json, string property, HealthReport report, HealthStatus status)
    {
        json.WriteStartArray(property);
        foreach (var (name, entry) in report.Entries)
        {
            if (entry.Status == status)
            {
                json.WriteStringValue(name);
            }
        }

        json.WriteEndArray();
    }
}
