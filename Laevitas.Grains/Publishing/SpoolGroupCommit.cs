namespace Laevitas.Grains.Publishing;

/// <summary>
/// Makes spooled ticks durable (fsync) for callers that wait on it, one fsync for every caller that asked while the
/// previous one ran (group commit): under load the cost is one fsync per fsync-duration, not one per call.
/// </summary>
/// <remarks>
/// A caller appends first and asks second, so the fsync that starts after its request covers its records. Requests
/// made while an fsync runs wait for the next one: the running one may have started before their append.
/// </remarks>
internal sealed class SpoolGroupCommit(TickSpool spool)
{
    private readonly Lock gate = new();
    private TaskCompletionSource? next;
    private bool running;
    private long syncs;

    /// <summary>fsyncs done since start.</summary>
    public long Syncs => Interlocked.Read(ref syncs);

    /// <summary>Completes once everything appended before the call is on disk; faults if the fsync failed.</summary>
    public Task SyncAsync()
    {
        lock (gate)
        {
            next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var task = next.Task;
            if (!running)
            {
                running = true;
                _ = Task.Run(Run);
            }

            return task;
        }
    }

    private void Run()
    {
        while (true)
        {
            TaskCompletionSource? waiting;
            lock (gate)
            {
                waiting = next;
                next = null;
                if (waiting is null)
                {
                    running = false;
                    return;
                }
            }

            try
            {
                spool.Flush(toDisk: true);
                Interlocked.Increment(ref syncs);
                waiting.TrySetResult();
            }
            catch (Exception ex)
            {
                waiting.TrySetException(ex);
            }
        }
    }
}
