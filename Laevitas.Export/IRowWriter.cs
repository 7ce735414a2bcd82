using Npgsql;

namespace Laevitas.Export;

/// <summary>Writes the rows of one export in one file format.</summary>
internal interface IRowWriter : IAsyncDisposable
{
    /// <summary>Writes the reader's current row.</summary>
    ValueTask WriteRowAsync(NpgsqlDataReader reader, CancellationToken cancellationToken);

    /// <summary>Puts the rows written so far into the output stream (a Parquet row group), so the exporter can drain it.</summary>
    ValueTask EndChunkAsync(CancellationToken cancellationToken);

    /// <summary>Writes whatever the format keeps to the end (a Parquet footer) and flushes.</summary>
    ValueTask CompleteAsync(CancellationToken cancellationToken);
}
