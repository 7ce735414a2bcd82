using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace Laevitas.Silo.Health;

/// <summary>Ready when this silo is <see cref="SiloStatus.Active"/> in the cluster's membership view.</summary>
internal sealed class OrleansSiloHealthCheck(ILocalSiloDetails silo, IClusterMembershipService membership) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
        var data = new Dictionary<string, object> { ["silo"] = silo.SiloAddress.ToString(), ["status"] = status.ToString() };
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"Silo {silo.Name} is active", data)
            : HealthCheckResult.Unhealthy($"Silo {silo.Name} is {status}, not active", data: data));
    }
}
