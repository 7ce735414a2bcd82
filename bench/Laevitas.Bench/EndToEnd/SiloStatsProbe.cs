using System.Text.Json;

namespace Laevitas.Bench.EndToEnd;

/// <summary>
/// Reads the silo's own counters from <c>/api/stats</c>, so that ticks sent but not stored can be placed: still on
/// their way, shed by the dispatcher, or never read off the socket.
/// </summary>
internal sealed class SiloStatsProbe(string baseUrl) : IDisposable
{
    private readonly HttpClient http = new() { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>One line with the silo's counters, or why they could not be read.</summary>
    public async Task<string> DescribeAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var document = JsonDocument.Parse(await http.GetStringAsync("/api/stats", cancellationToken));
            var p = document.RootElement.GetProperty("pipeline");
            return $"silo counters: {Count(p, "ticksReceived")} ticks read, {Count(p, "dispatchPending")} waiting for grains, " +
                   $"{Count(p, "dispatchDropped")} shed by the dispatcher, {Count(p, "published")} published, {Count(p, "publishBuffered")} in the producer, " +
                   $"{Count(p, "publishSpoolPending")} spooled, {Count(p, "publishDropped")} dropped past the spool, " +
                   $"Kafka lag {Count(p, "kafkaLag")}, {Count(p, "kafkaExpired")} deleted by the broker before they were read, " +
                   $"{Count(p, "rowsWritten")} rows written since start";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            return $"silo counters unavailable: {ex.Message}";
        }
    }

    /// <summary>One counter of the cluster's pipeline totals (e.g. <c>kafkaExpired</c>), or null when it cannot be read.</summary>
    public async Task<long?> CountAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            using var document = JsonDocument.Parse(await http.GetStringAsync("/api/stats", cancellationToken));
            return document.RootElement.GetProperty("pipeline").TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
                ? value.GetInt64()
                : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The sum of every sample of <paramref name="series"/> in the silo's Prometheus scrape, or null.</summary>
    public async Task<long?> MetricSumAsync(string series, CancellationToken cancellationToken)
    {
        try
        {
            double? sum = null;
            foreach (var line in (await http.GetStringAsync("/metrics", cancellationToken)).Split('\n'))
            {
                if (line.StartsWith(series, StringComparison.Ordinal) && line.Length > series.Length && line[series.Length] is '{' or ' ')
                {
                    var value = line[(line.LastIndexOf('}') is var brace and >= 0 ? brace + 1 : series.Length)..].Trim().Split(' ')[0];
                    sum = (sum ?? 0) + double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            return sum is { } total ? (long)total : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or FormatException)
        {
            return null;
        }
    }

    public void Dispose() => http.Dispose();

    private static string Count(JsonElement pipeline, string name) =>
        pipeline.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetInt64().ToString("N0", System.Globalization.CultureInfo.InvariantCulture)
            : "–";
}
