using Npgsql;
using Parquet;
using Parquet.Schema;

namespace Laevitas.Export.Parquet;

/// <summary>A column of nullable values of a value type.</summary>
internal sealed class ValueBuffer<T>(DataField dataField, int capacity, Func<NpgsqlDataReader, int, T> read) : ColumnBuffer
    where T : struct
{
    private readonly T?[] values = new T?[capacity];
    private int count;

    public override DataField Field => dataField;

    public override void Append(NpgsqlDataReader reader, int ordinal) =>
        values[count++] = reader.IsDBNull(ordinal) ? null : read(reader, ordinal);

    public override async Task FlushAsync(ParquetRowGroupWriter rowGroup, CancellationToken cancellationToken)
    {
        await rowGroup.WriteAsync<T>(dataField, values.AsMemory(0, count), cancellationToken: cancellationToken).ConfigureAwait(false);
        Array.Clear(values, 0, count);
        count = 0;
    }
}
