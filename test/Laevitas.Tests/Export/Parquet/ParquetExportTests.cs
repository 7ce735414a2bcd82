using Laevitas.Export;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Export.Parquet;

/// <summary>
/// A day of <c>deribit_prices</c> and of <c>deribit_trades</c> exported to a Parquet file (row groups of 3 rows, so
/// the chunking runs), read back with Parquet.Net and compared with the table column by column, value by value.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ParquetExportTests(PostgresFixture postgres) : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("laevitas-export").FullName;

    public static TheoryData<string> Tables => new() { "prices", "trades", "settlements" };

    [Theory]
    [MemberData(nameof(Tables))]
    public async Task ADayWrittenAsParquetReadsBackAsTheTable(string tableName)
    {
        await using var dataSource = await ExportTables.CreateAsync(postgres, "export_parquet_" + tableName);
        var table = ExportTable.Find(tableName)!;
        var request = new ExportRequest(table, ExportFormat.Parquet, ExportTables.DayStartMs(ExportTables.Day), ExportTables.DayStartMs(ExportTables.Day.AddDays(1)));
        var path = Path.Combine(directory, request.FileName);

        long exported;
        await using (var file = File.Create(path))
        {
            exported = await new TableExporter(dataSource) { ChunkRows = 3 }.ExportAsync(request, file);
        }

        var expected = await ExportTables.ReadDayAsync(dataSource, table);
        Assert.Equal(tableName switch { "prices" => 7, "trades" => 4, _ => 2 }, expected.Rows.Count);
        Assert.Equal(expected.Rows.Count, exported);

        Assert.Equal((expected.Rows.Count + 2) / 3, (await ParquetFiles.ReadAsync(path)).RowGroups);
        await ParquetFiles.AssertHoldsAsync(path, expected);
    }

    [Fact]
    public async Task AnEmptyRangeIsAValidFileWithTheColumnsAndNoRows()
    {
        await using var dataSource = await ExportTables.CreateAsync(postgres, "export_parquet_empty");
        var request = new ExportRequest(ExportTable.Prices, ExportFormat.Parquet, 1_000, 2_000);
        var path = Path.Combine(directory, request.FileName);
        await using (var file = File.Create(path))
        {
            Assert.Equal(0, await new TableExporter(dataSource).ExportAsync(request, file));
        }

        var (columns, rows, _) = await ParquetFiles.ReadAsync(path);
        Assert.Contains("mark_price", columns);
        Assert.Empty(rows);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
