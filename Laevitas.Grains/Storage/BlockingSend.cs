namespace Laevitas.Grains.Storage;

/// <summary>
/// Runs a COPY's synchronous encoding and socket writes on a thread of its own rather than the thread pool's.
/// </summary>
/// <remarks>
/// The writes block whenever the socket's buffer is full, that is for as long as PostgreSQL does not read: a few
/// milliseconds normally, the whole outage when the server is frozen or unreachable without a reset. On the pool,
/// whose threads are about as many as the cores and are shared by the feed, the dispatcher and every grain, each
/// blocked writer took one of them, and a frozen server stalled the whole silo for a second or so at a time while the
/// pool added threads (the chaos case postgres-frozen: up to 2,059 and 6,640 ticks waiting in the dispatchers in two
/// runs, against at most 213 and 119 with this). A thread per batch costs some tens of microseconds, against the
/// milliseconds of the batch.
/// </remarks>
internal static class BlockingSend
{
    public static Task<T> RunAsync<T>(Func<T> send, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(send, cancellationToken, TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
}
