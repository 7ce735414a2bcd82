using System.Diagnostics.Metrics;
using Laevitas.Grains.Retention;
using Laevitas.Grains.Storage;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Laevitas.Tests.Grains.Retention;

internal static class RetentionDatabase
{
    /// <summary>The UTC day the tests run on, read once, so a run across midnight sees one day.</summary>
    public static DateOnly Today { get; } = DateOnly.FromDateTime(DateTime.UtcNow);

    /// <summary>
    /// Noon of <see cref="Today"/>, the time the passes run at: a pass's cutoff (now - N days) falls inside
    /// Today - N, a day partly younger than N days that stays.
    /// </summary>
    public static DateTimeOffset Noon { get; } = new(Today.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero);

    /// <summary>A new database of <paramref name="postgres"/> with every migration applied.</summary>
    public static async Task<NpgsqlDataSource> MigratedAsync(PostgresFixture postgres, string database)
    {
        var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(database));
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).ApplyAsync();
        return dataSource;
    }

    /// <summary>A retention keeping <paramref name="days"/> days, counting on <paramref name="metrics"/>' meter.</summary>
    public static PartitionRetention Retention(NpgsqlDataSource dataSource, IServiceProvider metrics, int days) =>
        new(dataSource, new DailyPartitions(),
            Options.Create(new RetentionOptions { Days = days }),
            new RetentionMetrics(metrics.GetRequiredService<IMeterFactory>()),
            NullLogger<PartitionRetention>.Instance);

    /// <summary>The partitions of <paramref name="table"/>, by name.</summary>
    public static async Task<List<string>> PartitionsAsync(string connectionString, string table = DailyPartitions.Prices)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = @table::regclass ORDER BY 1", connection);
        command.Parameters.AddWithValue("table", table);
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>Unix ms of 00:00 UTC of <paramref name="day"/>.</summary>
    public static long DayStartMs(DateOnly day) => new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();
}
