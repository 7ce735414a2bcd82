using System.Diagnostics.Metrics;
using Laevitas.Diagnostics;

namespace Laevitas.Silo.Api.Authentication;

/// <summary>Refused requests on the shared <c>Laevitas</c> meter, by reason: a scan or a stale key shows as a rising line.</summary>
public sealed class ApiAuthenticationMetrics
{
    private readonly Counter<long> failures;

    public ApiAuthenticationMetrics(IMeterFactory meterFactory)
    {
        failures = new LaevitasMeter(meterFactory).Counter(LaevitasMetrics.ApiAuthenticationFailures);
    }

    /// <summary><paramref name="reason"/>: <c>missing</c> (no key sent) or <c>invalid</c> (a key that is not configured).</summary>
    public void Refused(string reason) => failures.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
