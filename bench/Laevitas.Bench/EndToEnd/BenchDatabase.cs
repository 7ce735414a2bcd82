using Laevitas.Grains.Storage;
using Laevitas.LocalInfrastructure.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Laevitas.Bench.EndToEnd;

/// <summary>
/// A private PostgreSQL for one bench run (temporary data directory, deleted at the end), with
/// <c>track_commit_timestamp</c> on: PostgreSQL then records when each transaction committed, so every row's commit
/// time can be read back exactly (<c>pg_xact_commit_timestamp(xmin)</c>) instead of being guessed by polling.
/// </summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private const string DatabaseName = "laevitas_bench";

    // Commit time (Unix ms) of the row's inserting transaction, and when the silo read the tick (Unix ms).
    private const string CommitMs = "extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000";
    private const string ReceivedMs = "extract(epoch FROM received_at) * 1000";

    private readonly PrivatePostgres server;

    private BenchDatabase(PrivatePostgres server, NpgsqlDataSource dataSource, string connectionString, bool fsync, string version)
    {
        this.server = server;
        DataSource = dataSource;
        ConnectionString = connectionString;
        Fsync = fsync;
        ServerVersion = version;
    }

    public NpgsqlDataSource DataSource { get; }

    public string ConnectionString { get; }

    public bool Fsync { get; }

    public string ServerVersion { get; }

    /// <summary>The postmaster's PID (its backends are its children), for CPU accounting.</summary>
    public int ServerProcessId => server.ProcessId ?? 0;

    /// <param name="fsync">
    /// On: commits are flushed to disk as in a production database (the silo's own persistent private cluster runs
    /// so). Off: what the test clusters do; faster on slow disks, not durable against power loss.
    /// </param>
    public static async Task<BenchDatabase> StartAsync(bool fsync, CancellationToken cancellationToken)
    {
        var server = new PrivatePostgres(new PrivatePostgresOptions());
        try
        {
            await server.StartAsync(cancellationToken);
            await using (var admin = new NpgsqlConnection(server.ConnectionString))
            {
                await admin.OpenAsync(cancellationToken);
                var onOff = fsync ? "on" : "off";
                await ExecuteAsync(admin, "ALTER SYSTEM SET track_commit_timestamp = on", cancellationToken);
                await ExecuteAsync(admin, $"ALTER SYSTEM SET fsync = {onOff}", cancellationToken);
                await ExecuteAsync(admin, $"ALTER SYSTEM SET full_page_writes = {onOff}", cancellationToken);
                await ExecuteAsync(admin, $"CREATE DATABASE {DatabaseName}", cancellationToken);
            }

            // track_commit_timestamp takes effect only at server start.
            await server.StopAsync(cancellationToken);
            await server.StartAsync(cancellationToken);
            NpgsqlConnection.ClearAllPools();

            var connectionString = server.ConnectionStringFor(DatabaseName);
            var dataSource = NpgsqlDataSource.Create(connectionString);
            await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).ApplyAsync(cancellationToken);
            await using var check = await dataSource.OpenConnectionAsync(cancellationToken);
            if (await ScalarAsync<string>(check, "SHOW track_commit_timestamp", cancellationToken) != "on")
            {
                throw new InvalidOperationException("track_commit_timestamp did not take effect; latencies cannot be measured.");
            }

            var version = await ScalarAsync<string>(check, "SHOW server_version", cancellationToken);
            return new BenchDatabase(server, dataSource, connectionString, fsync, version);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        return await ScalarAsync<long>(connection, "SELECT count(*) FROM deribit_prices", cancellationToken);
    }

    /// <summary>Empties the table and writes a checkpoint, so each phase starts from the same database state.</summary>
    public async Task ResetAsync(CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, "TRUNCATE deribit_prices", cancellationToken);
        await ExecuteAsync(connection, "CHECKPOINT", cancellationToken);
    }

    /// <summary>Commit time of the first row stored, null while the table is empty.</summary>
    public async Task<DateTime?> FirstCommitAsync(CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        var value = await ScalarAsync<object>(connection, "SELECT min(pg_xact_commit_timestamp(xmin)) FROM deribit_prices", cancellationToken);
        return value is DateTime at ? at : null;
    }

    /// <summary>Rows whose transaction committed in [<paramref name="fromUtc"/>, <paramref name="toUtc"/>).</summary>
    public async Task<long> CommittedBetweenAsync(DateTime fromUtc, DateTime toUtc, CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM deribit_prices WHERE pg_xact_commit_timestamp(xmin) >= $1 AND pg_xact_commit_timestamp(xmin) < $2", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = fromUtc });
        command.Parameters.Add(new NpgsqlParameter { Value = toUtc });
        command.CommandTimeout = 300;
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The commit time of the first row committed at or after <paramref name="fromUtc"/> (null: none yet).</summary>
    public async Task<DateTime?> FirstCommitAtOrAfterAsync(DateTime fromUtc, CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT min(pg_xact_commit_timestamp(xmin)) FROM deribit_prices WHERE pg_xact_commit_timestamp(xmin) >= $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = fromUtc });
        command.CommandTimeout = 300;
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime first ? first.ToUniversalTime() : null;
    }

    /// <summary>Latency of the rows whose exchange timestamp is in [<paramref name="fromMs"/>, <paramref name="toMs"/>).</summary>
    public async Task<LatencyStats> LatencyAsync(long fromMs, long toMs, CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"""
            SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY l), percentile_cont(0.99) WITHIN GROUP (ORDER BY l), max(l),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY f), percentile_cont(0.99) WITHIN GROUP (ORDER BY f),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY l - f), percentile_cont(0.99) WITHIN GROUP (ORDER BY l - f)
            FROM (SELECT {CommitMs} - "timestamp" AS l, {ReceivedMs} - "timestamp" AS f
                  FROM deribit_prices WHERE "timestamp" >= $1 AND "timestamp" < $2) AS latencies
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = fromMs });
        command.Parameters.Add(new NpgsqlParameter { Value = toMs });
        command.CommandTimeout = 300;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var rows = reader.GetInt64(0);
        return rows == 0
            ? LatencyStats.Empty
            : new LatencyStats(
                rows, ToDouble(reader.GetValue(1)), ToDouble(reader.GetValue(2)), ToDouble(reader.GetValue(3)),
                ToDouble(reader.GetValue(4)), ToDouble(reader.GetValue(5)), ToDouble(reader.GetValue(6)), ToDouble(reader.GetValue(7)));
    }

    /// <summary>Stops the server (fast shutdown: the silo's connections are cut, as in an outage).</summary>
    public async Task StopServerAsync(CancellationToken cancellationToken)
    {
        await server.StopAsync(cancellationToken);
    }

    /// <summary>Starts the server again on the same port and data directory.</summary>
    public async Task StartServerAsync(CancellationToken cancellationToken)
    {
        await server.StartAsync(cancellationToken);
        // The pool's connections died with the server: the next query must not be handed one.
        DataSource.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await server.DisposeAsync();
    }

    private static double ToDouble(object value) => Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
