namespace Laevitas.Export.Output;

/// <summary>
/// Lets the format writers target a forward-only, async-only destination (an HTTP response body): writes, including
/// synchronous ones, land in a buffer, and <see cref="DrainAsync"/> moves it to the destination asynchronously. The
/// exporter drains after every chunk of rows, so the buffer holds one chunk (one Parquet row group), never the file.
/// </summary>
/// <remarks>
/// Parquet.Net asks for a seekable stream but only reads <see cref="Position"/> while writing forward; a seek anywhere
/// but the current position throws, so a writer that ever did need to go back would fail loudly, not corrupt the file.
/// Kestrel refuses synchronous writes on a response, which StreamWriter and Parquet.Net both make.
/// </remarks>
internal sealed class ForwardOnlyStream(Stream destination) : Stream
{
    private readonly MemoryStream buffer = new();
    private long drained;

    public override bool CanRead => false;

    public override bool CanSeek => true;

    public override bool CanWrite => true;

    public override long Length => Position;

    public override long Position
    {
        get => drained + buffer.Length;
        set => Seek(value, SeekOrigin.Begin);
    }

    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        if (buffer.Length == 0)
        {
            return;
        }

        await destination.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken).ConfigureAwait(false);
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        drained += buffer.Length;
        buffer.SetLength(0);
    }

    public override void Write(byte[] buffer, int offset, int count) => this.buffer.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => this.buffer.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        this.buffer.Write(buffer, offset, count);
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        this.buffer.Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void WriteByte(byte value) => buffer.WriteByte(value);

    // Flushing is the exporter's call (DrainAsync, per chunk): a writer's Flush must not force a synchronous write.
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Position + offset,
            _ => Length + offset,
        };
        return target == Position
            ? target
            : throw new NotSupportedException($"The export goes out forward only: cannot seek to {target} from {Position}.");
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("The export stream is write-only.");

    public override void SetLength(long value) => throw new NotSupportedException("The export stream is forward-only.");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            buffer.Dispose();
        }

        base.Dispose(disposing);
    }
}
