using System.Diagnostics;

namespace Laevitas.Testing;

/// <summary>
/// Waits on a condition instead of sleeping and hoping: polls until it holds or the timeout passes,
/// then fails with a message that says what was awaited and what was last seen.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string>? lastSeen = null)
    {
        var stopwatch = Stopwatch.StartNew();
        Exception? lastError = null;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }

                lastError = null;
            }
            catch (Exception ex)
            {
                // A condition may throw while the system is still coming up; keep waiting, report it on timeout.
                lastError = ex;
            }

            if (stopwatch.Elapsed > timeout)
            {
                var seen = lastSeen is null ? "" : $" Last seen: {lastSeen()}.";
                var error = lastError is null ? "" : $" Last error: {lastError.GetType().Name}: {lastError.Message}";
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}.{seen}{error}");
            }

            await Task.Delay(PollInterval);
        }
    }

    public static Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what, Func<string>? lastSeen = null) =>
        TrueAsync(() => Task.FromResult(condition()), timeout, what, lastSeen);
}
