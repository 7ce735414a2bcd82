using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Laevitas.Silo.Health;

/// <summary>Healthy when PostgreSQL answers <c>SELECT 1</c> within <see cref="Timeout"/>.</summary>
/// <remarks>
/// The probe stops waiting after <see cref="Timeout"/> but does not cancel the statement: Npgsql cancels by opening
/// another connection synchronously, on a thread-pool thread, which against a server that does not answer holds the
/// thread for up to the connection timeout (see <c>PostgresConnectionDefaults</c>); a readiness probe every few seconds
/// would keep threads blocked for as long as the database hangs. The statement left behind ends when the server
/// answers or its connection dies, and until then later probes report it instead of starting another, so probes hold
/// one connection at most.
/// </remarks>
internal sealed class PostgresHealthCheck(NpgsqlDataSource dataSource, TimeProvider timeProvider) : IHealthCheck
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private readonly Lock gate = new();
    private Task? pending;
    private long pendingSince;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Task probe;
        lock (gate)
        {
            if (pending is { IsCompleted: false })
            {
                var waited = timeProvider.GetElapsedTime(pendingSince);
                return new HealthCheckResult(context.Registration.FailureStatus,
                    $"PostgreSQL has not answered an earlier SELECT 1 for {waited.TotalSeconds:0.#} s");
            }

            pendingSince = timeProvider.GetTimestamp();
            pending = probe = SelectOneAsync();
            // A probe given up on may still fail later; observed here, so that its exception is not reported unobserved.
            _ = probe.ContinueWith(static task => _ = task.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        try
        {
            await probe.WaitAsync(Timeout, timeProvider, cancellationToken);
            return HealthCheckResult.Healthy("PostgreSQL answers");
        }
        catch (TimeoutException) when (!probe.IsCompleted)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"PostgreSQL did not answer within {Timeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"PostgreSQL is unreachable: {ex.Message}", ex);
        }
    }

    private async Task SelectOneAsync()
    {
        await using var command = dataSource.CreateCommand("SELECT 1");
        await command.ExecuteScalarAsync(CancellationToken.None);
    }
}
