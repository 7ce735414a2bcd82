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

    /// <summary>The state the grain works on: the stored one once read, else what it has built since activation.</summary>
    public TState State { get; set; } = new();

    /// <summary>True once a read has succeeded: from then on <see cref="WriteAsync"/> may be called.</summary>
    public bool Loaded { get; private set; }

    /// <summary>
    /// Reads the stored state (an empty one when there is no row) and takes its version for the next write, or
    /// returns null when the read failed or took longer than <paramref name="timeout"/>. Does not touch
    /// <see cref="State"/>: the caller decides how the stored state meets the one it has built.
    /// </summary>
    public async Task<(TState? Stored, Exception? Error)> TryReadAsync(TimeSpan timeout)
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

        etag = read.ETag;
        recordExists = read.RecordExists;
        Loaded = true;
        return (read.State ?? new TState(), null);
    }

    /// <summary>Writes <see cref="State"/> under the version last read or written; throws what the provider throws.</summary>
    public async Task WriteAsync()
    {
        if (!Loaded)
        {
            throw new InvalidOperationException($"The state '{stateName}' of {grainId} has not been read; writing it would replace what is stored unseen.");
        }

        var write = new GrainState<TState>(State, etag) { RecordExists = recordExists };
        await storage.WriteStateAsync(stateName, grainId, write);
        etag = write.ETag;
        recordExists = write.RecordExists;
    }
}
