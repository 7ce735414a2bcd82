using Laevitas.Feed;
using Laevitas.Silo.FeedPlacement;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Laevitas.Silo.Health;

/// <summary>
/// This silo's feed, reported without gating readiness: Healthy when the silo runs no feed (it is not one of the
/// <see cref="DeribitOptions.FeedReplicas"/> oldest silos: nothing to check, and it must stay in the Service), or
/// runs one holding at least one open ticker connection; the registration's failure status (Degraded) when it should
/// hold one and does not — the exchange is unreachable, which other silos cannot fix either.
/// </summary>
internal sealed class FeedHealthCheck(FeedStatus status, IServiceProvider services) : IHealthCheck
{
    private readonly FeedLeadership? leadership = services.GetService<FeedLeadership>();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var s = status.Snapshot();
        var runsFeed = leadership?.IsLeader ?? true;
        var data = new Dictionary<string, object>
        {
            ["runsFeed"] = runsFeed,
            ["feedSilos"] = leadership?.Leader ?? "",
            ["feedReplicas"] = leadership?.Replicas ?? 1,
            ["endpoint"] = s.Endpoint,
            ["connectionsOpen"] = s.ConnectionsOpen,
            ["connectionsWanted"] = s.ConnectionsWanted,
            ["channelsSubscribed"] = s.ChannelsSubscribed,
            ["circuit"] = s.CircuitState.ToString(),
        };
        if (!runsFeed)
        {
            return Task.FromResult(HealthCheckResult.Healthy($"This silo runs no feed; the feed silos are {leadership?.Leader ?? "(none yet)"}", data));
        }

        if (s.ConnectionsOpen > 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy($"{s.ConnectionsOpen} connection(s) open to {s.Endpoint}, {s.ChannelsSubscribed} channels", data));
        }

        var why = s.LastError is null ? "" : $"; last error: {s.LastError}";
        return Task.FromResult(new HealthCheckResult(
            context.Registration.FailureStatus, $"No open connection to the exchange ({s.Endpoint}), circuit {s.CircuitState}{why}", data: data));
    }
}
