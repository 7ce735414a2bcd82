using System.Text.Json;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.DeribitSimulator;

/// <summary>Reads ticker notifications off a <see cref="RawDeribitClient"/> into per-channel timestamp lists.</summary>
internal sealed class TickCollector
{
    public Dictionary<string, List<long>> ByChannel { get; } = new(StringComparer.Ordinal);
    public List<string> Other { get; } = new();
    public int Count { get; private set; }

    /// <summary>Drains what has arrived; returns false when nothing was waiting.</summary>
    public bool Drain(RawDeribitClient client)
    {
        var any = false;
        while (client.TryNextMessage(out var message))
        {
            any = true;
            Add(message);
        }

        return any;
    }

    public void Add(string message)
    {
        try
        {
            using var doc = JsonDocument.Parse(message);
            var root = doc.RootElement;
            if (root.TryGetProperty("method", out var method) && method.GetString() == "subscription"
                && root.GetProperty("params").GetProperty("channel").GetString() is { } channel && channel.StartsWith("ticker.", StringComparison.Ordinal)
                && root.GetProperty("params").GetProperty("data").GetProperty("timestamp").ValueKind == JsonValueKind.Number)
            {
                var timestamp = root.GetProperty("params").GetProperty("data").GetProperty("timestamp").GetInt64();
                if (!ByChannel.TryGetValue(channel, out var list)) ByChannel[channel] = list = new List<long>();
                list.Add(timestamp);
                Count++;
                return;
            }
        }
        catch (JsonException)
        {
        }

        Other.Add(message);
    }
}
