using System.Buffers;

namespace Laevitas.Streaming.Kafka.Providers;

/// <summary>The pooled chunks a <see cref="PartitionBatch"/>'s values live in.</summary>
internal sealed class ValueChunks(ArrayPool<byte> pool, byte[][] chunks)
{
    private byte[][]? chunks = chunks;

    /// <summary>Back to the pool, once; only when nothing will read the batch's values again.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref chunks, null) is not { } released)
        {
            return;
        }

        foreach (var chunk in released)
        {
            pool.Return(chunk);
        }
    }
}
