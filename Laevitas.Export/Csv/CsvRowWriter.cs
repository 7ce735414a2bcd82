using System.Globalization;
using System.Text;
using Npgsql;

namespace Laevitas.Export.Csv;

/// <summary>
/// RFC 4180 CSV: a header of the column names, then one line per row. A null is an empty field and an empty string is
/// <c>""</c>, so the two stay apart; doubles in their shortest round-trip form, timestamps ISO-8601 UTC to the
/// microsecond (what PostgreSQL keeps), dates <c>yyyy-MM-dd</c>.
/// </summary>
internal sealed class CsvRowWriter : IRowWriter
{
    private static readonly char[] MustQuote = [',', '"', '\r', '\n'];

    private readonly IReadOnlyList<ExportColumn> columns;
    private readonly StreamWriter writer;

    public CsvRowWriter(Stream output, IReadOnlyList<ExportColumn> columns)
    {
        this.columns = columns;
        writer = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024, leaveOpen: true) { NewLine = "\r\n" };
        for (var i = 0; i < columns.Count; i++)
        {
            WriteSeparator(i);
            WriteText(columns[i].Name);
        }

        writer.WriteLine();
    }

    public ValueTask WriteRowAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            WriteSeparator(i);
            if (reader.IsDBNull(i))
            {
                continue;
            }

            switch (columns[i].Kind)
            {
                case ColumnKind.Text:
                    var text = reader.GetString(i);
                    if (text.Length == 0)
                    {
                        writer.Write("\"\"");
                    }
                    else
                    {
                        WriteText(text);
                    }

                    break;
                case ColumnKind.Double:
                    writer.Write(reader.GetDouble(i).ToString("R", CultureInfo.InvariantCulture));
                    break;
                case ColumnKind.Long:
                    writer.Write(reader.GetInt64(i).ToString(CultureInfo.InvariantCulture));
                    break;
                case ColumnKind.Int:
                    writer.Write(reader.GetInt32(i).ToString(CultureInfo.InvariantCulture));
                    break;
                case ColumnKind.Date:
                    writer.Write(reader.GetFieldValue<DateOnly>(i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                    break;
                case ColumnKind.Timestamp:
                    writer.Write(reader.GetFieldValue<DateTime>(i).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
                    break;
            }
        }

        writer.WriteLine();
        return ValueTask.CompletedTask;
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken) => await writer.FlushAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask EndChunkAsync(CancellationToken cancellationToken) => await writer.FlushAsync(cancellationToken).ConfigureAwait(false);

    public ValueTask DisposeAsync() => writer.DisposeAsync();

    private void WriteSeparator(int column)
    {
        if (column > 0)
        {
            writer.Write(',');
        }
    }

    private void WriteText(string text)
    {
        if (text.AsSpan().IndexOfAny(MustQuote) < 0)
        {
            writer.Write(text);
            return;
        }

        writer.Write('"');
        writer.Write(text.Replace("\"", "\"\"", StringComparison.Ordinal));
        writer.Write('"');
    }
}
