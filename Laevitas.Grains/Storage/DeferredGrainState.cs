using System.Diagnostics;
using Orleans.Storage;

namespace Laevitas.Grains.Storage;

/// <summary>
/// A grain's persisted state, read and written through the storage provider directly rather than by the
/// <c>[PersistentState]</c> facet, so that the grain can activate when the read fails.
/// </summary>
/// <remarks>
/// The facet reads the state before <c>OnActivateAsync</c> and fails the activation when the read fails: while the
/// database is away, every activation of an instrument grain (a rolling update, a silo lost, idle collection) fails,
/// the feed's dispatcher keeps those instruments' ticks to retry, and its backlog fills until the feed must stop
/// reading the exchange. With this holder the grain starts from an empty <see cref="State"/>, keeps taking ticks,
/// and merges the stored state in once a read succeeds (<see cref="TryReadAsync"/> again, from its timer). It never
/// writes before a read has succeeded: a write without the stored version would replace what it has not seen.
/// Rows are the facet's (same state name and grain id), so existing rows are read back unchanged.
/// </remarks>
internal sealed class DeferredGrainState<TState>(IGrainStorage storage, string stateName, GrainId grainId)
    where TState : class, new()
{
    private string? etag;
    private bool recordExists;
    private Task? inFlight;
    private long inFlightSince;

    /// <summary>The state the grain works on: the stored one once read, else what it has built since activation.</summary>
    public TState State { get; set; } = new();

    /// <summary>True once a read has succeeded: from then on <see cref="StartWrite"/> may be called.</summary>
    public bool Loaded { get; private set; }

    /// <summary>
    /// Reads the stored state (an empty one when there is no row) and takes its version for the next write, or
    /// returns null when the read failed or took longer than <paramref name="timeout"/>. Does not touch
    /// <see cref="State"/>: the caller decides how the stored state meets the one it has built, either with what this
    /// returns or in <paramref name="absorb"/>, which runs before the version is taken, in the same step (in the
    /// grain's context), so that no write can be made between the two.
    /// </summary>
    public async Task<(TState? Stored, Exception? Error)> TryReadAsync(TimeSpan timeout, Action<TState>? absorb = null)
    {
        // A fresh container per read: a read that outlives the timeout completes into it, not into ours.
        var read = new GrainState<TState>(new TState());
        try
        {
            await storage.ReadStateAsync(stateName, grainId, read).WaitAsync(timeout);
        }
        catch (Exception ex)
        {
            return (null, ex);
        }

        var stored = read.State ?? new TState();
        absorb?.Invoke(stored);
        etag = read.ETag;
        recordExists = read.RecordExists;
        Loaded = true;
        return (stored, null);
    }

    /// <summary>How long the write last started has been going on, or null when none is.</summary>
    public TimeSpan? WriteInFlightFor => inFlight is { IsCompleted: false } ? Stopwatch.GetElapsedTime(inFlightSince) : null;

    /// <summary>
    /// Starts writing <paramref name="snapshot"/> (a copy of <see cref="State"/> that the grain will not change) under
    /// the version last read or written; the task ends with the write and throws what the provider throws. The
    /// version moves when it succeeds, in the grain's context, whether or not anyone still waits for it. One write at
    /// a time, so that each is made under the version the last one stored.
    /// </summary>
    /// <remarks>
    /// The provider may serialize the state only once it has a connection, after the grain has gone back to its work:
    /// hence a snapshot, which no tick taken meanwhile changes.
    /// </remarks>
    public Task StartWrite(TState snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (!Loaded)
        {
            throw new InvalidOperationException($"The state '{stateName}' of {grainId} has not been read; writing it would replace what is stored unseen.");
        }

        if (inFlight is { IsCompleted: false })
        {
            throw new InvalidOperationException($"A write of the state '{stateName}' of {grainId} is still going on.");
        }

        inFlightSince = Stopwatch.GetTimestamp();
        inFlight = WriteAsync(new GrainState<TState>(snapshot, etag) { RecordExists = recordExists });
        return inFlight;
    }

    /// <summary>
    /// Waits, at most <paramref name="timeout"/>, for the write in flight to end (however it ends; its outcome goes to
    /// whoever observes <see cref="StartWrite"/>'s task). True when no write is in flight any more.
    /// </summary>
    public async Task<bool> WaitForWriteAsync(TimeSpan timeout)
    {
        if (inFlight is not { IsCompleted: false } write)
        {
            return true;
        }

        // Back in the grain's context; WaitAsync drops its timer as soon as the write ends.
        await write.WaitAsync(timeout).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.SuppressThrowing);
        return write.IsCompleted;
    }

    private async Task WriteAsync(GrainState<TState> write)
    {
        await storage.WriteStateAsync(stateName, grainId, write);
        etag = write.ETag;
        recordExists = write.RecordExists;
    }
}
