using Laevitas.Feed;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Laevitas.Silo.Health;

/// <summary>Ready when the feed holds at least one open ticker connection to the exchange.</summary>
internal sealed class FeedHealthCheck(FeedStatus status) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var s = status.Snapshot();
        var data = new Dictionary<string, object>
        {
            ["endpoint"] = s.Endpoint,
            ["connectionsOpen"] = s.ConnectionsOpen,
            ["connectionsWanted"] = s.ConnectionsWanted,
            ["channelsSubscribed"] = s.ChannelsSubscribed,
            ["circuit"] = s.CircuitState.ToString(),
        };
        if (s.ConnectionsOpen > 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy($"{s.ConnectionsOpen} connection(s) open to {s.Endpoint}, {s.ChannelsSubscribed} channels", data));
        }

        var why = s.LastError is null ? "" : $"; last error: {s.LastError}";
        return Task.FromResult(HealthCheckResult.Unhealthy($"No open connection to the exchange ({s.Endpoint}), circuit {s.CircuitState}{why}", data: data));
    }
}
