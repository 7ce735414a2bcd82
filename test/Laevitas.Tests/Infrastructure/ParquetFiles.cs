using Parquet;
using Parquet.Schema;

namespace Laevitas.Tests.Infrastructure;

/// <summary>Reads a Parquet file back with Parquet.Net: its column names, its rows as canonical texts, its row groups.</summary>
internal static class ParquetFiles
{
    public static async Task<(string[] Columns, List<string?[]> Rows, int RowGroups)> ReadAsync(string path)
    {
        // Dates as DateOnly: the file's column is a Parquet DATE, which the reader otherwise hands out as midnight DateTimes.
        await using var reader = await ParquetReader.CreateAsync(path, new ParquetOptions { UseDateOnlyTypeForDates = true });
        var fields = reader.Schema.DataFields;
        var rows = new List<string?[]>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var count = checked((int)group.RowCount);
            var columns = new List<string?[]>();
            foreach (var field in fields)
            {
                columns.Add(await ReadColumnAsync(group, field, count));
            }

            for (var r = 0; r < count; r++)
            {
                rows.Add(columns.Select(column => column[r]).ToArray());
            }
        }

        return (fields.Select(f => f.Name).ToArray(), rows, reader.RowGroupCount);
    }

    private static async Task<string?[]> ReadColumnAsync(ParquetRowGroupReader group, DataField field, int count)
    {
        if (field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>))
        {
            var strings = new string?[count];
            await group.ReadAsync(field, strings.AsMemory());
            return strings;
        }

        return field.ClrType switch
        {
            var t when t == typeof(double) => await ReadValuesAsync<double>(group, field, count),
            var t when t == typeof(long) => await ReadValuesAsync<long>(group, field, count),
            var t when t == typeof(int) => await ReadValuesAsync<int>(group, field, count),
            var t when t == typeof(DateOnly) => await ReadValuesAsync<DateOnly>(group, field, count),
            var t when t == typeof(DateTime) => await ReadValuesAsync<DateTime>(group, field, count),
            var t => throw new InvalidOperationException($"Column {field.Name} has an unexpected type {t}."),
        };
    }

    private static async Task<string?[]> ReadValuesAsync<T>(ParquetRowGroupReader group, DataField field, int count)
        where T : struct
    {
        var values = new T?[count];
        await group.ReadAsync<T>(field, values.AsMemory());
        return values.Select(v => ExportTables.Canonical(v)).ToArray();
    }

    /// <summary>Asserts that <paramref name="path"/> holds exactly <paramref name="expected"/>: columns, then every value.</summary>
    public static async Task AssertHoldsAsync(string path, (string[] Columns, string[] Types, List<string?[]> Rows) expected)
    {
        var (columns, rows, _) = await ReadAsync(path);
        Assert.Equal(expected.Columns, columns);
        Assert.Equal(expected.Rows.Count, rows.Count);
        for (var r = 0; r < rows.Count; r++)
        {
            for (var c = 0; c < columns.Length; c++)
            {
                Assert.True(Equals(expected.Rows[r][c], rows[r][c]), $"row {r} column {columns[c]}: table {expected.Rows[r][c] ?? "null"}, file {rows[r][c] ?? "null"}");
            }
        }
    }
}
