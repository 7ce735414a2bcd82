namespace Laevitas.Silo.Dispatch;

/// <summary>
/// Holds the feed's receive loops back while the dispatcher's backlog is full (see
/// <see cref="DispatchOptions.MaxBackPressureLag"/>): a loop that is not read leaves the next ticks in the exchange's
/// socket buffers instead of the dispatcher dropping them.
/// </summary>
internal sealed class BackPressureGate(Func<long> pending, DispatchOptions options, TimeProvider timeProvider)
{
    // Polled: the backlog is full only under overload, and a few milliseconds per round cost nothing next to the
    // grain calls that free the room.
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(2);

    private long heldBackTicks;

    /// <summary>Time spent waiting, summed over the loops that waited.</summary>
    public TimeSpan HeldBack => TimeSpan.FromTicks(Interlocked.Read(ref heldBackTicks));

    /// <summary>
    /// Completes at once while there is room, or when the feed is already <paramref name="lag"/> behind the exchange
    /// by the whole allowance; otherwise once the backlog is a batch below its bound (so the loop reads in runs, not
    /// a frame per poll) or the rest of the allowance has passed.
    /// </summary>
    public ValueTask WaitForRoomAsync(TimeSpan lag, CancellationToken cancellationToken) =>
        pending() < options.MaxPendingTicks || lag >= options.MaxBackPressureLag
            ? ValueTask.CompletedTask
            : WaitAsync(options.MaxBackPressureLag - lag, cancellationToken);

    private async ValueTask WaitAsync(TimeSpan budget, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var resumeAt = options.MaxPendingTicks - options.MaxBatchSize;
        try
        {
            while (pending() > resumeAt && timeProvider.GetElapsedTime(started) < budget)
            {
                await Task.Delay(Poll, timeProvider, cancellationToken);
            }
        }
        finally
        {
            Interlocked.Add(ref heldBackTicks, timeProvider.GetElapsedTime(started).Ticks);
        }
    }
}
