using System.Reflection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Laevitas.Grains.Storage;

/// <summary>
/// Applies this project's SQL scripts (embedded resources under <c>Storage/Sql</c>, in name order)
/// to PostgreSQL. Every script is written to be idempotent, and the whole run holds an advisory
/// lock so that several silos starting together do not race on DDL.
/// </summary>
public sealed class DatabaseMigrator(NpgsqlDataSource dataSource, ILogger<DatabaseMigrator> logger)
{
    // Arbitrary constant shared by every silo of the cluster: "LAEVITAS" in ASCII.
    private const long AdvisoryLockKey = 0x4C41455649544153;

    public async Task ApplyAsync(CancellationToken cancellationToken = default)
    {
        var scripts = LoadScripts();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection))
        {
            lockCommand.Parameters.AddWithValue("key", AdvisoryLockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            foreach (var (name, sql) in scripts)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using (var command = new NpgsqlCommand(sql, connection, transaction))
                {
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied database script {Script}", name);
            }
        }
        finally
        {
            await using var unlockCommand = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            unlockCommand.Parameters.AddWithValue("key", AdvisoryLockKey);
            await unlockCommand.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static List<(string Name, string Sql)> LoadScripts()
    {
        var assembly = typeof(DatabaseMigrator).Assembly;
        const string prefix = "Laevitas.Grains.Storage.Sql.";
        var scripts = new List<(string, string)>();
        foreach (var resource in assembly.GetManifestResourceNames()
                     .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"Embedded script {resource} could not be opened.");
            using var reader = new StreamReader(stream);
            scripts.Add((resource[prefix.Length..], reader.ReadToEnd()));
        }

        return scripts;
    }
}
