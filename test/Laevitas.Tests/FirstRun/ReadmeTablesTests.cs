using Laevitas.Grains.Storage;
using Laevitas.Tests.Deploy;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Laevitas.Tests.FirstRun;

/// <summary>
/// The README's "Tables" list against a database the migrations just built: every table (partitions aside) has a row,
/// and that row names every one of its columns; a column added by a new script without the README fails here.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ReadmeTablesTests(PostgresFixture postgres)
{
    [Fact]
    public async Task TheReadmeListsEveryTableAndEveryColumn()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("readme_tables"));
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).ApplyAsync();
        var rows = File.ReadAllLines(RepositoryFiles.PathOf("README.md"))
            .Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .ToArray();

        var missing = new List<string>();
        await using var command = dataSource.CreateCommand(
            "SELECT c.relname, a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped " +
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname, a.attnum");
        await using var reader = await command.ExecuteReaderAsync();
        var tables = new HashSet<string>();
        while (await reader.ReadAsync())
        {
            var (table, column) = (reader.GetString(0), reader.GetString(1));
            tables.Add(table);
            var row = rows.FirstOrDefault(line => line.StartsWith($"| `{table}` |", StringComparison.Ordinal));
            if (row is null || !row.Contains($"`{column}`", StringComparison.Ordinal))
            {
                missing.Add($"{table}.{column}");
            }
        }

        Assert.Contains("deribit_prices", tables);
        Assert.Contains("deribit_trades", tables);
        Assert.True(missing.Count == 0, "README.md, Tables, does not list: " + string.Join(", ", missing));
    }
}
