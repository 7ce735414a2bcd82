using System.Globalization;
using System.Text;
using Laevitas.Export;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Export.Csv;

/// <summary>
/// A day of <c>deribit_prices</c> and of <c>deribit_trades</c> as CSV, parsed back by RFC 4180 rules and compared with
/// the table value by value: quoting (a comma, quotes and a line break in one value), null (empty) against the empty
/// string (<c>""</c>), doubles to the last bit, NaN, timestamps to the microsecond.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CsvExportTests(PostgresFixture postgres)
{
    [Theory]
    [InlineData("prices")]
    [InlineData("trades")]
    [InlineData("settlements")]
    public async Task ADayWrittenAsCsvParsesBackAsTheTable(string tableName)
    {
        await using var dataSource = await ExportTables.CreateAsync(postgres, "export_csv_" + tableName);
        var table = ExportTable.Find(tableName)!;
        var request = new ExportRequest(table, ExportFormat.Csv, ExportTables.DayStartMs(ExportTables.Day), ExportTables.DayStartMs(ExportTables.Day.AddDays(1)));
        using var output = new MemoryStream();

        var exported = await new TableExporter(dataSource) { ChunkRows = 2 }.ExportAsync(request, output);

        var expected = await ExportTables.ReadDayAsync(dataSource, table);
        Assert.Equal(expected.Rows.Count, exported);
        var text = Encoding.UTF8.GetString(output.ToArray());
        Assert.False(text.StartsWith('\uFEFF'), "no byte-order mark");
        var records = Parse(text);
        Assert.Equal(expected.Columns, records[0]);
        var rows = records.Skip(1).ToList();
        Assert.Equal(expected.Rows.Count, rows.Count);
        for (var r = 0; r < rows.Count; r++)
        {
            for (var c = 0; c < expected.Columns.Length; c++)
            {
                var value = Typed(expected.Types[c], rows[r][c]);
                Assert.True(Equals(expected.Rows[r][c], value), $"row {r} column {expected.Columns[c]}: table {expected.Rows[r][c] ?? "null"}, CSV {value ?? "null"}");
            }
        }

        if (tableName == "prices")
        {
            Assert.Contains("\"odd, \"\"quoted\"\"\r\nand two lines\"", text, StringComparison.Ordinal);
            Assert.Contains(",NaN,", text, StringComparison.Ordinal);
        }
    }

    /// <summary>The CSV text of a value read back as the table's canonical text for its column type.</summary>
    private static string? Typed(string type, string? csv) => csv is null || type is "text" or "jsonb" or "character varying"
        ? csv
        : type switch
        {
            "double precision" => ExportTables.Canonical(double.Parse(csv, CultureInfo.InvariantCulture)),
            "timestamp with time zone" => ExportTables.Canonical(DateTime.Parse(csv, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal)),
            "date" => ExportTables.Canonical(DateOnly.ParseExact(csv, "yyyy-MM-dd", CultureInfo.InvariantCulture)),
            _ => ExportTables.Canonical(long.Parse(csv, CultureInfo.InvariantCulture)),
        };

    /// <summary>RFC 4180 records; an unquoted empty field is null, a quoted one is the empty string.</summary>
    [Fact]
    public async Task ADayOfSettlementsIsTheDeliveryPricesSettledAt0800ThatDay()
    {
        // Not read back through the export's own range expression: the seeded dates and prices, by hand.
        await using var dataSource = await ExportTables.CreateAsync(postgres, "export_csv_settlement_day");
        var request = new ExportRequest(ExportTable.Settlements, ExportFormat.Csv, ExportTables.DayStartMs(ExportTables.Day), ExportTables.DayStartMs(ExportTables.Day.AddDays(1)));
        using var output = new MemoryStream();

        await new TableExporter(dataSource).ExportAsync(request, output);

        var records = Parse(Encoding.UTF8.GetString(output.ToArray()));
        var day = ExportTables.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        Assert.Equal(["index_name", "delivery_date", "delivery_price"], records[0].Take(3));
        Assert.Equal(
            [["ada_usd", day, "95000.123456789"], ["dot_usd", day, "0.30000000000000004"]],
            records.Skip(1).Select(r => r.Take(3).ToArray()));
    }

    private static List<string?[]> Parse(string text)
    {
        var records = new List<string?[]>();
        var fields = new List<string?>();
        var field = new StringBuilder();
        var quoted = false;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '"' && field.Length == 0 && !quoted)
            {
                quoted = true;
                i++;
                while (true)
                {
                    if (text[i] == '"' && i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i += 2;
                    }
                    else if (text[i] == '"')
                    {
                        i++;
                        break;
                    }
                    else
                    {
                        field.Append(text[i++]);
                    }
                }
            }
            else if (c == ',' || c == '\r')
            {
                fields.Add(quoted || field.Length > 0 ? field.ToString() : null);
                field.Clear();
                quoted = false;
                if (c == '\r')
                {
                    Assert.Equal('\n', text[i + 1]);
                    records.Add(fields.ToArray());
                    fields.Clear();
                    i++;
                }

                i++;
            }
            else
            {
                field.Append(c);
                i++;
            }
        }

        Assert.Empty(fields);
        return records;
    }
}
