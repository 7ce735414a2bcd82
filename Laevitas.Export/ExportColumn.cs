using Npgsql;

namespace Laevitas.Export;

/// <summary>One column of an export: the table's column name and how its values are written.</summary>
public sealed record ExportColumn(string Name, ColumnKind Kind)
{
    /// <summary>The columns of a result, in order; a type the tables do not use is an error rather than a guess.</summary>
    public static IReadOnlyList<ExportColumn> Of(NpgsqlDataReader reader)
    {
        var columns = new ExportColumn[reader.FieldCount];
        for (var i = 0; i < columns.Length; i++)
        {
            var type = reader.GetDataTypeName(i);
            columns[i] = new ExportColumn(reader.GetName(i), type switch
            {
                // jsonb goes out as its text: a file format has no JSON type every reader understands.
                "text" or "jsonb" or "json" or "character varying" => ColumnKind.Text,
                "double precision" => ColumnKind.Double,
                "bigint" => ColumnKind.Long,
                "integer" => ColumnKind.Int,
                "date" => ColumnKind.Date,
                "timestamp with time zone" => ColumnKind.Timestamp,
                _ => throw new NotSupportedException($"Column {reader.GetName(i)} has type {type}, which the export does not know how to write."),
            });
        }

        return columns;
    }
}
