using System.Diagnostics;

namespace Laevitas.DeribitSimulator.Ticks;

/// <summary>
/// Paces an engine's loop (ticks, trades) at a rate that may change at any moment: elapsed time earns credit at the
/// rate, each thing emitted spends one. Never banks more than 100 ms of credit: after a stall the engine resumes the
/// rate, it does not burst to catch up. One loop uses it; not thread-safe.
/// </summary>
internal sealed class RatePacer
{
    private static readonly double Frequency = Stopwatch.Frequency;
    private long last = Stopwatch.GetTimestamp();

    /// <summary>What may be emitted now (1 per unit).</summary>
    public double Credit { get; private set; }

    public void Spend(double units) => Credit -= units;

    /// <summary>
    /// True if at least one unit may be emitted now. Otherwise waits a little and returns false, for the loop to look
    /// again: 5 ms while <paramref name="paused"/> (or the rate is not positive), banking nothing meanwhile, 1 ms while
    /// short of credit.
    /// </summary>
    public async ValueTask<bool> TryEarnAsync(double rate, bool paused, CancellationToken cancellationToken)
    {
        if (paused || rate <= 0)
        {
            Credit = 0;
            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
            last = Stopwatch.GetTimestamp();
            return false;
        }

        var now = Stopwatch.GetTimestamp();
        Credit = Math.Min(Credit + (now - last) / Frequency * rate, rate * 0.1 + 1);
        last = now;
        if (Credit < 1)
        {
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            return false;
        }

        return true;
    }
}
