using Laevitas.Grains.Retention;
using Laevitas.Grains.Storage;
using Laevitas.Testing;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Laevitas.Tests.Grains.Retention;

/// <summary>
/// Retention as the silo wires it (<c>AddPartitionRetention</c> from configuration): the hosted service runs a pass at
/// start when <c>Retention:Days</c> is set, and does nothing when it is not.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RetentionServiceTests(PostgresFixture postgres)
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);

    [Fact]
    public async Task TheServiceDropsOldPartitionsAtStartWhenDaysIsSet()
    {
        var connectionString = await SeededAsync("retention_service_on");

        await RunServiceAsync(connectionString, "3", async () =>
            // A pass drops one partition after another: wait for the youngest one it must drop, not only the oldest.
            await Eventually.TrueAsync(async () => await RetentionDatabase.PartitionsAsync(connectionString) is var partitions
                    && !partitions.Contains(Name(-9)) && !partitions.Contains(Name(-4)),
                TimeSpan.FromSeconds(30), "the retention service to drop the partitions of 9 and 4 days ago"));

        var left = await RetentionDatabase.PartitionsAsync(connectionString);
        Assert.DoesNotContain(Name(-4), left);
        Assert.Contains(Name(-3), left);
        Assert.Contains(Name(0), left);
    }

    [Fact]
    public async Task WithoutTheSettingNothingIsDropped()
    {
        var connectionString = await SeededAsync("retention_service_off");
        var before = await RetentionDatabase.PartitionsAsync(connectionString);

        // The service returns at once when off: once it has completed, it can drop nothing any more.
        await RunServiceAsync(connectionString, null, () => Task.CompletedTask);

        Assert.Contains(Name(-9), before);
        Assert.Equal(before, await RetentionDatabase.PartitionsAsync(connectionString));
    }

    private static async Task RunServiceAsync(string connectionString, string? days, Func<Task> whileRunning)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Retention:Days"] = days,
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddLaevitasPostgres(configuration).AddPartitionRetention();
        await using var provider = services.BuildServiceProvider();
        var service = provider.GetServices<IHostedService>().OfType<RetentionService>().Single();
        await service.StartAsync(CancellationToken.None);
        try
        {
            await whileRunning();
            if (days is null)
            {
                await service.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    private async Task<string> SeededAsync(string database)
    {
        var connectionString = await postgres.CreateDatabaseAsync(database);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).ApplyAsync();
        await using var connection = await dataSource.OpenConnectionAsync();
        for (var offset = -9; offset <= 0; offset++)
        {
            await using var command = new NpgsqlCommand("SELECT ensure_daily_partition('deribit_prices', @day)", connection);
            command.Parameters.AddWithValue("day", Today.AddDays(offset));
            await command.ExecuteNonQueryAsync();
        }

        return connectionString;
    }

    private static string Name(int offset) => $"deribit_prices_{Today.AddDays(offset):yyyyMMdd}";
}
