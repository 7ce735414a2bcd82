using Npgsql;
using Parquet;
using Parquet.Schema;

namespace Laevitas.Export.Parquet;

/// <summary>The values of one column for the row group being gathered.</summary>
internal abstract class ColumnBuffer
{
    public abstract DataField Field { get; }

    public abstract void Append(NpgsqlDataReader reader, int ordinal);

    /// <summary>Writes the gathered values as this column's chunk of the row group, and forgets them.</summary>
    public abstract Task FlushAsync(ParquetRowGroupWriter rowGroup, CancellationToken cancellationToken);

    public static ColumnBuffer For(ExportColumn column, int capacity) => column.Kind switch
    {
        ColumnKind.Text => new TextBuffer(column.Name, capacity),
        ColumnKind.Double => new ValueBuffer<double>(new DataField<double?>(column.Name), capacity, (r, i) => r.GetDouble(i)),
        ColumnKind.Long => new ValueBuffer<long>(new DataField<long?>(column.Name), capacity, (r, i) => r.GetInt64(i)),
        ColumnKind.Int => new ValueBuffer<int>(new DataField<int?>(column.Name), capacity, (r, i) => r.GetInt32(i)),
        ColumnKind.Date => new ValueBuffer<DateOnly>(new DataField<DateOnly?>(column.Name), capacity, (r, i) => r.GetFieldValue<DateOnly>(i)),
        // Microseconds, adjusted to UTC: PostgreSQL's timestamptz exactly, and what readers map to an instant.
        ColumnKind.Timestamp => new ValueBuffer<DateTime>(
            new DateTimeDataField(column.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: true),
            capacity, (r, i) => r.GetFieldValue<DateTime>(i)),
        _ => throw new NotSupportedException($"Column {column.Name}: no Parquet type for {column.Kind}."),
    };
}
