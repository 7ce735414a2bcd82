using Laevitas.Testing;
using System.Diagnostics;
using System.Globalization;
using Laevitas.LocalInfrastructure.Postgres;
using Laevitas.LocalInfrastructure.Processes;
using Npgsql;
using NpgsqlTypes;

namespace Laevitas.Tests.LocalInfrastructure.Postgres;

public sealed class PrivatePostgresTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task StartsTakesAConnectionCreatesATableAndStopsLeavingNoProcess()
    {
        var postgres = new PrivatePostgres();
        await using (postgres)
        {
            await postgres.StartAsync();
            var postmaster = postgres.ProcessId!.Value;
            Assert.Equal(postmaster, PostmasterPidFile(postgres.DataDirectory));
            if (Environment.IsPrivilegedProcess)
            {
                Assert.NotEqual(0, ProcessUid(postmaster));
            }

            await using var connection = new NpgsqlConnection(postgres.ConnectionString);
            await connection.OpenAsync();
            await ExecuteAsync(connection, "CREATE TABLE ticks (name text PRIMARY KEY, price double precision)");
            await ExecuteAsync(connection, "INSERT INTO ticks VALUES ('BTC-PERPETUAL', 97000.5)");
            Assert.Equal(97000.5, await ScalarAsync<double>(connection, "SELECT price FROM ticks"));

            // The postmaster and everything it forked (this connection's backend among them).
            var serverProcesses = UnixProcess.ChildrenOf(postmaster).Append(postmaster).ToList();
            Assert.True(serverProcesses.Count > 2, $"expected a postmaster with children, saw {serverProcesses.Count} processes");

            await postgres.StopAsync();

            Assert.False(postgres.IsRunning);
            Assert.DoesNotContain(serverProcesses, pid => UnixProcess.IsRunning(pid));
            Assert.Empty(ProcessesMentioning(postgres.DataDirectory));
        }

        Assert.False(Directory.Exists(postgres.DataDirectory), "a temporary cluster's data is deleted on dispose");
    }

    [Fact]
    public async Task TwoClustersRunAtOnceOnDifferentPortsWithSeparateData()
    {
        await using var first = new PrivatePostgres();
        await using var second = new PrivatePostgres();
        await Task.WhenAll(first.StartAsync(), second.StartAsync());

        Assert.NotEqual(first.Port, second.Port);
        Assert.NotEqual(first.DataDirectory, second.DataDirectory);

        await using var a = await OpenAsync(first.ConnectionString);
        await using var b = await OpenAsync(second.ConnectionString);
        await ExecuteAsync(a, "CREATE TABLE marker (cluster text)");
        await ExecuteAsync(a, "INSERT INTO marker VALUES ('first')");

        Assert.Equal("first", await ScalarAsync<string>(a, "SELECT cluster FROM marker"));
        Assert.Equal(0L, await ScalarAsync<long>(b, "SELECT count(*) FROM pg_tables WHERE tablename = 'marker'"));
        Assert.Equal(first.Port, await ScalarAsync<int>(a, "SELECT inet_server_port()"));
        Assert.Equal(second.Port, await ScalarAsync<int>(b, "SELECT inet_server_port()"));
    }

    [Fact]
    public async Task StopThenStartKeepsDataAndPort()
    {
        await using var postgres = new PrivatePostgres();
        await postgres.StartAsync();
        var port = postgres.Port;
        var firstPostmaster = postgres.ProcessId;
        await using (var connection = await OpenAsync(postgres.ConnectionString))
        {
            await ExecuteAsync(connection, "CREATE TABLE survivors (id int); INSERT INTO survivors SELECT generate_series(1, 1000)");
        }

        await postgres.StopAsync();
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => OpenAsync(postgres.ConnectionString));

        await postgres.StartAsync();

        Assert.Equal(port, postgres.Port);
        Assert.NotEqual(firstPostmaster, postgres.ProcessId);
        await using var reconnected = await OpenAsync(postgres.ConnectionString);
        Assert.Equal(1000L, await ScalarAsync<long>(reconnected, "SELECT count(*) FROM survivors"));
    }

    [Fact]
    public async Task KillMidCopyLosesTheOpenCopyKeepsCommittedRowsAndRestarts()
    {
        await using var postgres = new PrivatePostgres();
        await postgres.StartAsync();
        var port = postgres.Port;
        await using (var setup = await OpenAsync(postgres.ConnectionString))
        {
            await ExecuteAsync(setup, "CREATE TABLE prices (id int PRIMARY KEY); INSERT INTO prices SELECT generate_series(1, 10)");
        }

        var postmaster = postgres.ProcessId!.Value;
        var copying = await OpenAsync(postgres.ConnectionString);
        var importer = await copying.BeginBinaryImportAsync("COPY prices (id) FROM STDIN (FORMAT BINARY)");
        for (var id = 11; id <= 5000; id++)
        {
            await importer.StartRowAsync();
            await importer.WriteAsync(id, NpgsqlDbType.Integer);
        }

        var serverProcesses = UnixProcess.ChildrenOf(postmaster).Append(postmaster).ToList();
        await postgres.KillAsync();

        Assert.False(postgres.IsRunning);
        Assert.DoesNotContain(serverProcesses, pid => UnixProcess.IsRunning(pid));
        await Assert.ThrowsAnyAsync<Exception>(async () => await importer.CompleteAsync());
        await DisposeQuietlyAsync(importer, copying);

        await postgres.StartAsync();

        Assert.Equal(port, postgres.Port);
        await using var after = await OpenAsync(postgres.ConnectionString);
        Assert.Equal(10L, await ScalarAsync<long>(after, "SELECT count(*) FROM prices"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ReapingStopsTheClusterOfADeadOwnerAndSparesALiveOne(bool temporary)
    {
        var persistentDirectory = temporary ? null : Path.Combine(Path.GetTempPath(), "laevitas-reap-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var orphan = new PrivatePostgres(new PrivatePostgresOptions { DataDirectory = persistentDirectory });
            await orphan.StartAsync();
            var postmaster = orphan.ProcessId!.Value;
            var entry = EntryOf(postmaster);

            // Hand the cluster to a stand-in owner process, as if another test host had started it.
            using var owner = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
            var marker = ClusterMarker.TryRead(entry)!;
            (marker with { OwnerPid = owner.Id, OwnerStartTime = UnixProcess.ReadStat(owner.Id)!.Value.StartTime }).WriteTo(entry);

            await PrivatePostgres.ReapOrphansAsync();
            Assert.True(UnixProcess.IsRunning(postmaster), "a cluster whose owner lives must not be reaped");

            owner.Kill();
            await owner.WaitForExitAsync();
            await PrivatePostgres.ReapOrphansAsync();

            await Eventually.TrueAsync(() => !UnixProcess.IsRunning(postmaster), Timeout, "the orphaned postmaster to stop");
            Assert.False(Directory.Exists(entry), "the dead owner's registry entry is removed");
            if (temporary)
            {
                Assert.False(Directory.Exists(marker.DataDirectory), "a temporary cluster's data goes with it");
            }
            else
            {
                Assert.True(File.Exists(Path.Combine(marker.DataDirectory, "PG_VERSION")), "a persistent cluster's data is kept");
            }
        }
        finally
        {
            if (persistentDirectory is not null && Directory.Exists(persistentDirectory))
            {
                Directory.Delete(persistentDirectory, recursive: true);
            }
        }
    }

    /// <summary>The registry entry whose marker names this postmaster.</summary>
    private static string EntryOf(int postmaster) =>
        Directory.EnumerateDirectories(Path.Combine(Path.GetTempPath(), "laevitas-pg"))
            .Single(d => ClusterMarker.TryRead(d)?.PostmasterPid == postmaster);

    internal static int PostmasterPidFile(string dataDirectory) =>
        int.Parse(File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);

    private static int ProcessUid(int pid) =>
        int.Parse(
            File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t')[1],
            CultureInfo.InvariantCulture);

    private static List<int> ProcessesMentioning(string text)
    {
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid)
                && UnixProcess.IsRunning(pid)
                && UnixProcess.CommandLine(pid).Contains(text, StringComparison.Ordinal))
            {
                found.Add(pid);
            }
        }

        return found;
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        // No pooling: these tests stop and kill servers under their connections.
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), CultureInfo.InvariantCulture);
    }

    private static async Task DisposeQuietlyAsync(params IAsyncDisposable[] disposables)
    {
        foreach (var disposable in disposables)
        {
            try
            {
                await disposable.DisposeAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException)
            {
                // The server under them was killed; disposing only releases client resources.
            }
        }
    }
}
