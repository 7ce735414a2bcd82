namespace Laevitas.DeribitSimulator.Hosting;

/// <summary>
/// Wraps the upgraded connection so that, while the sender drains a batch of queued frames, their bytes collect in a
/// buffer and reach the socket in one write: every notification is still its own WebSocket message, but a burst
/// costs one flush (one syscall) instead of one per message. Outside a batch (e.g. a pong the WebSocket answers on
/// its own) writes go straight through. Reads pass through untouched.
/// </summary>
internal sealed class CoalescingWriteStream(Stream inner, int capacity = 64 * 1024) : Stream
{
    private readonly byte[] buffer = new byte[capacity];
    private readonly SemaphoreSlim gate = new(1, 1);
    private int count;
    private bool batching;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>
    /// Whether <paramref name="length"/> more bytes would overflow the batch, which would write what was collected
    /// out before its commit. The sender commits first instead, so that what reaches the socket is always what was
    /// committed (the ledger's "sent").
    /// </summary>
    public bool WouldOverflow(int length) => Volatile.Read(ref count) + length > buffer.Length;

    /// <summary>Start collecting writes (sender thread only).</summary>
    public void BeginBatch() => batching = true;

    /// <summary>Write what was collected and stop collecting.</summary>
    public async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            batching = false;
            await WriteOutAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!batching)
            {
                await WriteOutAsync(cancellationToken).ConfigureAwait(false);
                await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
                await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
                return;
            }

            if (count + buffer.Length > this.buffer.Length)
            {
                await WriteOutAsync(cancellationToken).ConfigureAwait(false);
            }

            if (buffer.Length > this.buffer.Length)
            {
                await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
                return;
            }

            buffer.Span.CopyTo(this.buffer.AsSpan(count));
            count += buffer.Length;
        }
        finally
        {
            gate.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Inside a batch a flush waits for the commit; outside, it flushes.</summary>
    public override Task FlushAsync(CancellationToken cancellationToken) => batching ? Task.CompletedTask : inner.FlushAsync(cancellationToken);

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            gate.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        gate.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask WriteOutAsync(CancellationToken cancellationToken)
    {
        if (this.count == 0) return;
        var count = this.count;
        this.count = 0;
        await inner.WriteAsync(buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
        await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
