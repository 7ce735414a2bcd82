using Laevitas.Export.Csv;
using Laevitas.Export.Output;
using Laevitas.Export.Parquet;
using Npgsql;

namespace Laevitas.Export;

/// <summary>
/// Streams the rows of an <see cref="ExportRequest"/> from PostgreSQL into a stream as CSV or Parquet: the rows are
/// read as the server sends them and written a chunk at a time, so memory holds one chunk whatever the range's size.
/// Used by the client (to a file) and the HTTP API (to the response).
/// </summary>
public sealed class TableExporter(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Rows per chunk, and per Parquet row group: ~50 columns × 32 Ki rows is ~15 MB of values held at a time, and row
    /// groups large enough for columnar compression and for readers to skip by statistics.
    /// </summary>
    public int ChunkRows { get; init; } = 32 * 1024;

    /// <summary>Writes the export to <paramref name="output"/> (not closed); returns the number of rows.</summary>
    /// <exception cref="NpgsqlException">PostgreSQL could not be reached or failed mid-export; the output is then incomplete.</exception>
    public async Task<long> ExportAsync(ExportRequest request, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // One snapshot for the whole export (REPEATABLE READ), so rows committed meanwhile cannot make the file
        // inconsistent; read-only, so it never holds a lock retention's DROP would wait for beyond the partitions read.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"SELECT * FROM {request.Table.SqlName} WHERE {request.Table.TimeMs} >= @from AND {request.Table.TimeMs} < @to ORDER BY {request.Table.OrderBy}",
            connection, transaction);
        command.Parameters.AddWithValue("from", request.FromMs);
        command.Parameters.AddWithValue("to", request.ToMs);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);

        var columns = ExportColumn.Of(reader);
        await using var forward = new ForwardOnlyStream(output);
        await using var writer = request.Format == ExportFormat.Csv
            ? new CsvRowWriter(forward, columns)
            : (IRowWriter)await ParquetRowWriter.CreateAsync(forward, columns, ChunkRows, cancellationToken).ConfigureAwait(false);

        long rows = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            await writer.WriteRowAsync(reader, cancellationToken).ConfigureAwait(false);
            if (++rows % ChunkRows == 0)
            {
                await writer.EndChunkAsync(cancellationToken).ConfigureAwait(false);
                await forward.DrainAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        await forward.DrainAsync(cancellationToken).ConfigureAwait(false);
        return rows;
    }
}
