using System.Buffers;

namespace Laevitas.Streaming.Kafka.Providers;

/// <summary>
/// Where a receiver copies the values of the records it reads: into pooled chunks of <see cref="ChunkBytes"/>, one
/// batch's values after another, instead of one new array per record.
/// </summary>
/// <remarks>
/// <para>Why: a value used to be its own ~700-byte array, cleared and faulted in when allocated (a cost the GC's own
/// count does not show) and, while it waited in the queue cache, copied from gen0 to gen1 and on. With the chunks the
/// silo allocated a fifth less per tick and ran a fifth as many gen1 collections at 30,000 ticks/s (bench/results.md,
/// "Stream payloads in pooled chunks").</para>
/// <para>The rule that makes reuse safe: a chunk belongs to one batch only. The batch being gathered writes into it;
/// <see cref="Detach"/> hands the chunks to the batch being cut, and the next value starts a new chunk. The batch gives
/// them back (<see cref="ValueChunks.Release"/>) only when the queue cache has purged it, which it does once every
/// consumer returned from it (see <see cref="KafkaQueueAdapterReceiver"/>): nothing reads its values again. A batch
/// the cache never reports back (delivery given up at shutdown) keeps its chunks until the GC takes them: a chunk can be
/// lost to the pool, never reused while something reads it.</para>
/// </remarks>
internal sealed class RecordValueBuffer(ArrayPool<byte> pool)
{
    /// <summary>
    /// Below the large object heap's threshold (85,000 bytes), so a chunk the pool does not keep is ordinary garbage;
    /// ninety ~700-byte ticker values each. A larger value gets an array of its own.
    /// </summary>
    public const int ChunkBytes = 64 * 1024;

    /// <summary>Chunks a provider's pool keeps for reuse (16 MiB): a few batches' worth in transit between purge and reading.</summary>
    public const int PooledChunks = 256;

    private readonly List<byte[]> chunks = [];
    private byte[]? current;
    private int used;

    /// <summary>A pool for the receivers of one provider.</summary>
    public static ArrayPool<byte> CreatePool() => ArrayPool<byte>.Create(ChunkBytes, PooledChunks);

    /// <summary>The value, copied out of librdkafka's memory (valid only during the consume call).</summary>
    public ReadOnlyMemory<byte> Copy(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        if (value.Length > ChunkBytes)
        {
            return value.ToArray();
        }

        if (current is null || ChunkBytes - used < value.Length)
        {
            current = pool.Rent(ChunkBytes);
            chunks.Add(current);
            used = 0;
        }

        value.CopyTo(current.AsSpan(used));
        var copy = new ReadOnlyMemory<byte>(current, used, value.Length);
        used += value.Length;
        return copy;
    }

    /// <summary>The chunks written so far, for the batch being cut (null when there are none); the next value starts a new chunk.</summary>
    public ValueChunks? Detach()
    {
        if (chunks.Count == 0)
        {
            return null;
        }

        var detached = new ValueChunks(pool, chunks.ToArray());
        chunks.Clear();
        current = null;
        used = 0;
        return detached;
    }

    /// <summary>Returns the chunks of records read but never handed over (the receiver dropped them).</summary>
    public void Discard() => Detach()?.Release();
}
