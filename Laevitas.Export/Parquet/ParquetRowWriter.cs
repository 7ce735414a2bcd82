using Npgsql;
using Parquet;
using Parquet.Schema;

namespace Laevitas.Export.Parquet;

/// <summary>
/// Parquet through Parquet.Net: one row group per chunk of rows (the exporter's chunk size), so memory holds one
/// row group's values whatever the range. Column names and order are the table's; every column is optional, as in
/// the table.
/// </summary>
internal sealed class ParquetRowWriter : IRowWriter
{
    private readonly ColumnBuffer[] buffers;
    private readonly ParquetWriter writer;
    private int rows;

    private ParquetRowWriter(ColumnBuffer[] buffers, ParquetWriter writer)
    {
        this.buffers = buffers;
        this.writer = writer;
    }

    public static async Task<ParquetRowWriter> CreateAsync(Stream output, IReadOnlyList<ExportColumn> columns, int rowGroupRows, CancellationToken cancellationToken)
    {
        var buffers = columns.Select(column => ColumnBuffer.For(column, rowGroupRows)).ToArray();
        var schema = new ParquetSchema(buffers.Select(buffer => (Field)buffer.Field).ToArray());
        var writer = await ParquetWriter.CreateAsync(schema, output, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new ParquetRowWriter(buffers, writer);
    }

    public ValueTask WriteRowAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        for (var i = 0; i < buffers.Length; i++)
        {
            buffers[i].Append(reader, i);
        }

        rows++;
        return ValueTask.CompletedTask;
    }

    public async ValueTask EndChunkAsync(CancellationToken cancellationToken)
    {
        if (rows == 0)
        {
            return;
        }

        using (var rowGroup = writer.CreateRowGroup())
        {
            foreach (var buffer in buffers)
            {
                await buffer.FlushAsync(rowGroup, cancellationToken).ConfigureAwait(false);
            }

            rowGroup.CompleteValidate();
        }

        rows = 0;
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        await EndChunkAsync(cancellationToken).ConfigureAwait(false);
        // The footer is written when the writer is disposed.
        await writer.DisposeAsync().ConfigureAwait(false);
    }

    // Not completed means the export failed: no footer then, so a cut-off file never reads as a whole one (the
    // writer holds nothing but the caller's stream).
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
