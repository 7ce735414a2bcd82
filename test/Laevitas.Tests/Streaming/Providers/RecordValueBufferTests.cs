using System.Runtime.InteropServices;
using Laevitas.Streaming.Kafka.Providers;

namespace Laevitas.Tests.Streaming.Providers;

public class RecordValueBufferTests
{
    [Fact]
    public void ValuesReadBackIntactAcrossChunksAndNoneSpansTwo()
    {
        var buffer = new RecordValueBuffer(RecordValueBuffer.CreatePool());
        var values = Enumerable.Range(0, 1_000).Select(Value).ToList();

        var copies = values.Select(v => buffer.Copy(v)).ToList();

        for (var i = 0; i < values.Count; i++)
        {
            Assert.Equal(values[i], copies[i].ToArray());
            var segment = Segment(copies[i]);
            Assert.Equal(RecordValueBuffer.ChunkBytes, segment.Array!.Length);
            Assert.True(segment.Offset + segment.Count <= RecordValueBuffer.ChunkBytes);
        }

        // ~700 KB of values: several chunks, each shared by many values.
        var chunks = copies.Select(c => Segment(c).Array).Distinct().Count();
        Assert.InRange(chunks, 8, 20);
    }

    [Fact]
    public void TheBatchAfterACutNeverWritesIntoTheCutBatchsChunks()
    {
        var buffer = new RecordValueBuffer(RecordValueBuffer.CreatePool());
        var first = Enumerable.Range(0, 10).Select(i => buffer.Copy(Value(i))).ToList();
        Assert.NotNull(buffer.Detach());

        var second = Enumerable.Range(10, 10).Select(i => buffer.Copy(Value(i))).ToList();

        var firstChunks = first.Select(c => Segment(c).Array).ToHashSet();
        Assert.DoesNotContain(second, c => firstChunks.Contains(Segment(c).Array));
        Assert.Equal(Value(3), first[3].ToArray());
    }

    [Fact]
    public void ReleasedChunksAreReusedAndASecondReleaseReturnsNothing()
    {
        var pool = RecordValueBuffer.CreatePool();
        var buffer = new RecordValueBuffer(pool);
        var chunk = Segment(buffer.Copy(Value(0))).Array;
        var batch = buffer.Detach()!;

        batch.Release();
        batch.Release();

        // Released once: the pool hands the chunk out once, then a new one (a second return would hand it out twice,
        // to two batches at the same time).
        var rented = new[] { pool.Rent(RecordValueBuffer.ChunkBytes), pool.Rent(RecordValueBuffer.ChunkBytes) };
        Assert.Same(chunk, rented[0]);
        Assert.NotSame(chunk, rented[1]);
    }

    [Fact]
    public void AValueLargerThanAChunkGetsItsOwnArrayAndAnEmptyOneNone()
    {
        var buffer = new RecordValueBuffer(RecordValueBuffer.CreatePool());
        var large = new byte[RecordValueBuffer.ChunkBytes + 1];
        large.AsSpan().Fill((byte)'x');

        var copy = buffer.Copy(large);
        var empty = buffer.Copy([]);

        Assert.Equal(large, copy.ToArray());
        Assert.Equal(large.Length, Segment(copy).Array!.Length);
        Assert.True(empty.IsEmpty);
        Assert.Null(buffer.Detach());
    }

    [Fact]
    public void DiscardedChunksGoBackToThePool()
    {
        var pool = RecordValueBuffer.CreatePool();
        var buffer = new RecordValueBuffer(pool);
        var chunk = Segment(buffer.Copy(Value(0))).Array;

        buffer.Discard();

        Assert.Same(chunk, pool.Rent(RecordValueBuffer.ChunkBytes));
        Assert.Null(buffer.Detach());
    }

    // Ticker-sized values of varying length, each distinct.
    private static byte[] Value(int i) =>
        System.Text.Encoding.UTF8.GetBytes($$"""{"instrument_name":"BTC-{{i}}","timestamp":{{1_700_000_000_000L + i}},"pad":"{{new string('p', 600 + i % 150)}}"}""");

    private static ArraySegment<byte> Segment(ReadOnlyMemory<byte> memory)
    {
        Assert.True(MemoryMarshal.TryGetArray(memory, out var segment));
        return segment;
    }
}
