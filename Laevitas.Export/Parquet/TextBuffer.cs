using Npgsql;
using Parquet;
using Parquet.Schema;

namespace Laevitas.Export.Parquet;

/// <summary>A column of nullable UTF-8 strings (text, and jsonb as its text).</summary>
internal sealed class TextBuffer(string name, int capacity) : ColumnBuffer
{
    private readonly DataField dataField = new DataField<string>(name, true);
    private readonly List<string> values = new(capacity);

    public override DataField Field => dataField;

    public override void Append(NpgsqlDataReader reader, int ordinal) =>
        values.Add(reader.IsDBNull(ordinal) ? null! : reader.GetString(ordinal));

    public override async Task FlushAsync(ParquetRowGroupWriter rowGroup, CancellationToken cancellationToken)
    {
        await rowGroup.WriteAsync(dataField, values).ConfigureAwait(false);
        values.Clear();
    }
}
