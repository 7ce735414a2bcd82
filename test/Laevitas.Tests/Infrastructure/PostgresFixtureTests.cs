using Npgsql;

namespace Laevitas.Tests.Infrastructure;

[Collection(PostgresCollection.Name)]
public sealed class PostgresFixtureTests(PostgresFixture postgres)
{
    [Fact]
    public async Task DatabasesCreatedByTheFixtureAreIsolatedAndFresh()
    {
        var first = await postgres.CreateDatabaseAsync("fixture_first");
        var second = await postgres.CreateDatabaseAsync("fixture_second");
        await ExecuteAsync(first, "CREATE TABLE only_in_first (id int); INSERT INTO only_in_first VALUES (1)");

        Assert.Equal(1L, await ScalarAsync(first, "SELECT count(*) FROM only_in_first"));
        Assert.Equal(0L, await ScalarAsync(second, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_first'"));

        // Asking again for the same name gives an empty database, even with a connection still pooled.
        var again = await postgres.CreateDatabaseAsync("fixture_first");
        Assert.Equal(0L, await ScalarAsync(again, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_first'"));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
