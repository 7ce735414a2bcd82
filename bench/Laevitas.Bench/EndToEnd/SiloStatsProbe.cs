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

    public void Dispose() => http.Dispose();

    private static string Count(JsonElement pipeline, string name) =>
        pipeline.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetInt64().ToString("N0", System.Globalization.CultureInfo.InvariantCulture)
            : "–";
}
