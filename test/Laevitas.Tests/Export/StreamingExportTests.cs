using Laevitas.Export;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Export;

/// <summary>
/// The exporter streams: into a destination like an HTTP response body (forward-only, no seeking, synchronous writes
/// refused as Kestrel refuses them) the file goes out a chunk at a time while rows are still being read, in both formats.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class StreamingExportTests(PostgresFixture postgres)
{
    [Theory]
    [InlineData(ExportFormat.Csv)]
    [InlineData(ExportFormat.Parquet)]
    public async Task TheFileGoesOutAChunkAtATimeToAForwardOnlyAsyncOnlyStream(ExportFormat format)
    {
        await using var dataSource = await ExportTables.CreateAsync(postgres, "export_streaming_" + format.Extension());
        var request = new ExportRequest(ExportTable.Prices, format, ExportTables.DayStartMs(ExportTables.Day), ExportTables.DayStartMs(ExportTables.Day.AddDays(1)));
        await using var destination = new ResponseLikeStream();

        var rows = await new TableExporter(dataSource) { ChunkRows = 2 }.ExportAsync(request, destination);

        // 7 rows in chunks of 2: three full chunks go out while reading, then the rest (and a Parquet footer).
        Assert.Equal(7, rows);
        Assert.Equal(4, destination.Writes.Count);
        Assert.All(destination.Writes, size => Assert.True(size > 0));
        Assert.Equal(destination.Writes.Sum(), destination.Length);
    }

    /// <summary>Records each asynchronous write; refuses seeking and synchronous writes, as an HTTP response body does.</summary>
    private sealed class ResponseLikeStream : Stream
    {
        private long length;

        public List<int> Writes { get; } = [];

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => length;

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes.Add(buffer.Length);
            length += buffer.Length;
            return ValueTask.CompletedTask;
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("Synchronous operations are disallowed.");

        public override void Flush() => throw new InvalidOperationException("Synchronous operations are disallowed.");

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
