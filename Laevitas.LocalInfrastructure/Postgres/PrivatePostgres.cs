using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Laevitas.LocalInfrastructure.Postgres;

/// <summary>
/// A PostgreSQL cluster private to this process: initdb'd on first use, listening on 127.0.0.1 only
/// with trust authentication, stopped on dispose, on process exit and on termination signals, and
/// reaped by the next start on this machine if its owner died without stopping it.
/// Used by the silo when no database is configured and by test fixtures.
/// </summary>
/// <remarks>
/// The postmaster is started directly as a child of this process (not through <c>pg_ctl</c>, which
/// double-forks): its PID is the child's PID, so stop and kill act on exactly that process and
/// .NET reaps it. It runs in its own session (<c>setsid</c>) so a Ctrl+C in the terminal reaches
/// the silo, not the database — the silo shuts down first, then stops the database.
/// </remarks>
public sealed class PrivatePostgres : IAsyncDisposable
{
    public const string SuperUser = "postgres";
    public const string Host = "127.0.0.1";

    /// <summary>
    /// Appended to postgresql.conf once, after initdb. Written into the file rather than passed on
    /// the command line so that a user can still change them for a persistent cluster.
    /// </summary>
    private const string TuningTemplate = """

        # ---- Laevitas private cluster (appended after initdb; edit freely) ----
        # Listen address, port and socket directory are given on the command line at every start.

        # The silo's connection pools plus several test classes sharing one server.
        max_connections = 200
        # The workload is append-only batch COPY of ticks: a bigger cache buys little, and tests run
        # several clusters at once on small machines, so keep the default-sized cache explicit.
        shared_buffers = 128MB
        # A binary COPY batch writes WAL in large bursts; a bigger WAL buffer avoids writer stalls.
        wal_buffers = 16MB
        # Sustained ingest fills WAL quickly; fewer forced checkpoints, less write amplification.
        max_wal_size = 2GB
        checkpoint_timeout = 15min
        # Stays ON: a Kafka offset is committed only after its rows are committed, so a commit must
        # survive a server crash (asynchronous commit can lose the last ~0.6 s after a kill).
        synchronous_commit = on
        # Durability against power loss: on for a persistent cluster; off for disposable test
        # clusters, where it saves seconds per run. Either way a *process* crash loses no committed
        # data: committed WAL has already been handed to the kernel.
        fsync = {0}
        full_page_writes = {0}
        # Short, frequent statements: JIT compilation would only add latency.
        jit = off
        timezone = 'UTC'
        log_timezone = 'UTC'
        log_line_prefix = '%m [%p] '

        """;

    private readonly PrivatePostgresOptions options;
    private readonly ILogger logger;
    private readonly SemaphoreSlim gate = new(1, 1);

    private PostgresBinaries? binaries;
    private ServerAccount? account;
    private string? entryDirectory;
    private string? dataDirectory;
    private bool temporary;
    private int port;
    private long ownerStartTime;
    private Process? postmaster;
    private List<int>? paused;
    private bool disposed;

    public PrivatePostgres(PrivatePostgresOptions? options = null, ILogger? logger = null)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The private PostgreSQL cluster needs Linux (it manages the server through /proc and POSIX signals).");
        }

        this.options = options ?? new PrivatePostgresOptions();
        this.logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The TCP port on 127.0.0.1; fixed at first start and kept across restarts.</summary>
    public int Port => port != 0 ? port : throw NotStartedYet();

    public string DataDirectory => dataDirectory ?? throw NotStartedYet();

    /// <summary>Where the server writes its log (inside the data directory).</summary>
    public string LogFile => Path.Combine(DataDirectory, "postgres.log");

    /// <summary>Superuser connection to the <c>postgres</c> database.</summary>
    public string ConnectionString => ConnectionStringFor("postgres");

    public bool IsRunning => postmaster is { HasExited: false };

    /// <summary>The postmaster's PID while running.</summary>
    public int? ProcessId => postmaster is { HasExited: false } process ? process.Id : null;

    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Username = SuperUser,
            Database = database,
        }.ConnectionString;

    /// <summary>
    /// Starts the server (creating and initdb'ing the cluster on first start) and returns once a
    /// real connection succeeds. Starting again after <see cref="StopAsync"/> or
    /// <see cref="KillAsync"/> reuses the same data directory and port.
    /// </summary>
    /// <exception cref="PostgresBinariesNotFoundException">No PostgreSQL server installation was found.</exception>
    /// <exception cref="PrivatePostgresException">initdb or the server failed; the message quotes its log.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (IsRunning)
            {
                return;
            }

            binaries ??= PostgresBinaries.Locate();
            await ClusterRegistry.ReapOrphansAsync(ClusterRegistry.DefaultRoot, logger, cancellationToken);
            account ??= await ServerAccount.ForCurrentProcessAsync(cancellationToken);
            if (entryDirectory is null)
            {
                PlaceCluster();
            }

            await InitializeIfEmptyAsync(cancellationToken);
            await LaunchAsync(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Fast shutdown: clients are disconnected, a checkpoint is written, the server exits.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await StopCoreAsync();
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// SIGKILLs the postmaster and all its backends at once, like a machine losing the process:
    /// open transactions (a COPY in flight) are lost, the next start runs crash recovery.
    /// </summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (this.postmaster is not { } postmaster)
            {
                return;
            }

            paused = null; // SIGKILL ends stopped processes too
            if (!postmaster.HasExited)
            {
                var victims = UnixProcess.KillTree(postmaster.Id);
                await postmaster.WaitForExitAsync(cancellationToken);
                await UnixProcess.WaitForExitAsync(victims, TimeSpan.FromSeconds(10), cancellationToken);
            }

            logger.LogInformation("Private PostgreSQL on port {Port} killed (SIGKILL)", port);
            Forget(postmaster);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// SIGSTOPs the postmaster and all its backends: connections stay open and nothing is answered, as with a frozen
    /// VM or a network partition that drops packets rather than refusing them. <see cref="ResumeAsync"/> lets them go on.
    /// </summary>
    public async Task PauseAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (this.postmaster is not { HasExited: false } postmaster || paused is not null)
            {
                throw new InvalidOperationException("The private PostgreSQL is not running, or is paused already.");
            }

            paused = UnixProcess.StopTree(postmaster.Id);
            logger.LogInformation("Private PostgreSQL on port {Port} paused (SIGSTOP, {Processes} processes)", port, paused.Count);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>SIGCONTs what <see cref="PauseAsync"/> stopped.</summary>
    public async Task ResumeAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (Interlocked.Exchange(ref paused, null) is { } stopped)
            {
                UnixProcess.ContinueAll(stopped);
                logger.LogInformation("Private PostgreSQL on port {Port} resumed (SIGCONT)", port);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await gate.WaitAsync();
        try
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            await StopCoreAsync();
            RemoveEntry();
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Reaps clusters whose owner process is gone (also done by every start).</summary>
    public static Task<int> ReapOrphansAsync(ILogger? logger = null, CancellationToken cancellationToken = default) =>
        ClusterRegistry.ReapOrphansAsync(ClusterRegistry.DefaultRoot, logger ?? NullLogger.Instance, cancellationToken);

    /// <summary>
    /// Last-chance stop used at process exit: signals only, no locks (another thread may be in the
    /// middle of an async operation). Phase one asks, phase two waits, so many clusters stop in parallel.
    /// </summary>
    internal void BeginEmergencyStop()
    {
        ContinuePaused();
        if (this.postmaster is { HasExited: false } postmaster)
        {
            UnixProcess.Signal(postmaster.Id, UnixProcess.SigInt);
        }
    }

    internal void CompleteEmergencyStop()
    {
        if (this.postmaster is { } postmaster && !postmaster.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            UnixProcess.KillTree(postmaster.Id);
            postmaster.WaitForExit(TimeSpan.FromSeconds(5));
        }

        if (temporary && !options.KeepData && entryDirectory is not null)
        {
            ClusterRegistry.TryDelete(entryDirectory, logger);
        }
    }

    internal bool StopsOnTerminationSignal => options.StopOnTerminationSignal;

    private void PlaceCluster()
    {
        ownerStartTime = UnixProcess.CurrentStartTime();
        entryDirectory = ClusterRegistry.CreateEntry(ClusterRegistry.DefaultRoot);
        temporary = options.DataDirectory is null;
        dataDirectory = temporary
            ? Path.Combine(entryDirectory, "data")
            : Path.GetFullPath(options.DataDirectory!);
        // The marker goes first: from now on a crash leaves something the reaper can clean up.
        WriteMarker(postmasterPid: 0);
        port = ChoosePort();
    }

    private int ChoosePort()
    {
        if (options.Port == 0)
        {
            return FreeLoopbackPort();
        }

        if (IsLoopbackPortFree(options.Port))
        {
            return options.Port;
        }

        if (!options.FallBackToFreePort)
        {
            throw new PrivatePostgresException($"Port {options.Port} on {Host} is already in use; choose another port for the private PostgreSQL.");
        }

        var port = FreeLoopbackPort();
        logger.LogWarning("Port {Requested} on {Host} is in use; the private PostgreSQL uses port {Port} instead", options.Port, Host, port);
        return port;
    }

    private async Task InitializeIfEmptyAsync(CancellationToken cancellationToken)
    {
        var dataDirectory = DataDirectory;
        if (File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            return;
        }

        var existed = Directory.Exists(dataDirectory);
        if (existed && Directory.EnumerateFileSystemEntries(dataDirectory).Any())
        {
            throw new PrivatePostgresException(
                $"{dataDirectory} is neither empty nor a PostgreSQL data directory; point the private PostgreSQL at an empty or existing cluster directory.");
        }

        Directory.CreateDirectory(dataDirectory);
        if (this.account is { } account)
        {
            EnsureReachable(account, dataDirectory);
            account.Own(dataDirectory);
        }

        List<string> arguments =
        [
            "-D", dataDirectory,
            "-U", SuperUser,
            // Trust is safe only because the server listens on loopback and its socket sits in a
            // directory only the server account can enter.
            "--auth-local=trust", "--auth-host=trust",
            "-E", "UTF8",
            // The C locale exists everywhere (a fresh machine may lack en_US.UTF-8) and compares bytes: fast, deterministic.
            "--locale=C",
        ];
        if (temporary)
        {
            arguments.Add("--no-sync");
        }

        var stopwatch = Stopwatch.StartNew();
        var (fileName, allArguments) = AsServerAccount(binaries!.InitDb, arguments);
        var (exitCode, output) = await ExternalCommand.RunAsync(fileName, allArguments, TimeSpan.FromMinutes(2), cancellationToken);
        if (exitCode != 0)
        {
            throw new PrivatePostgresException($"initdb of {dataDirectory} failed with exit code {exitCode}:\n{output}");
        }

        var durability = temporary ? "off" : "on";
        await File.AppendAllTextAsync(
            Path.Combine(dataDirectory, "postgresql.conf"),
            TuningTemplate.Replace("{0}", durability, StringComparison.Ordinal),
            cancellationToken);
        logger.LogInformation("Initialized PostgreSQL cluster in {DataDirectory} in {Elapsed} ms", dataDirectory, stopwatch.ElapsedMilliseconds);
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        var dataDirectory = DataDirectory;
        // Unix socket paths are limited to 107 bytes; beyond that, TCP only.
        var socketDirectory = $"{dataDirectory}/.s.PGSQL.{port}".Length < 100 ? dataDirectory : "";
        List<string> serverArguments =
        [
            "-D", dataDirectory,
            "-p", port.ToString(CultureInfo.InvariantCulture),
            "-h", Host,
            "-k", socketDirectory,
        ];

        // sh only redirects (stdin from /dev/null, output appended to the log) and then execs the
        // server, so the log survives this process and the PID stays the postmaster's.
        List<string> shell = ["sh", "-c", "exec \"$@\" </dev/null >>\"$0\" 2>&1", LogFile, binaries!.Postgres, .. serverArguments];
        var (fileName, arguments) = AsServerAccount(shell[0], shell.Skip(1));
        var startInfo = new ProcessStartInfo("setsid") { UseShellExecute = false, WorkingDirectory = "/" };
        startInfo.ArgumentList.Add(fileName);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var stopwatch = Stopwatch.StartNew();
        var postmaster = Process.Start(startInfo) ?? throw new PrivatePostgresException("The PostgreSQL server process could not be started.");
        this.postmaster = postmaster;
        try
        {
            await WaitUntilReadyAsync(postmaster, cancellationToken);
        }
        catch
        {
            if (!postmaster.HasExited)
            {
                UnixProcess.KillTree(postmaster.Id);
                await postmaster.WaitForExitAsync(CancellationToken.None);
            }

            Forget(postmaster);
            throw;
        }

        WriteMarker(postmaster.Id);
        ProcessGuard.Track(this);
        logger.LogInformation(
            "Private PostgreSQL {Pid} ready on {Host}:{Port} in {Elapsed} ms (data {DataDirectory}, log {LogFile})",
            postmaster.Id, Host, port, stopwatch.ElapsedMilliseconds, dataDirectory, LogFile);
    }

    private async Task WaitUntilReadyAsync(Process postmaster, CancellationToken cancellationToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false, Timeout = 5 }.ConnectionString;
        var deadline = Stopwatch.StartNew();
        Exception? lastError = null;
        while (true)
        {
            if (postmaster.HasExited)
            {
                throw new PrivatePostgresException(
                    $"PostgreSQL exited with code {postmaster.ExitCode} while starting on port {port}. Last lines of {LogFile}:\n{LogTail()}");
            }

            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException ex)
            {
                // Not listening yet, or "the database system is starting up": keep trying.
                lastError = ex;
            }

            if (deadline.Elapsed > options.StartTimeout)
            {
                throw new PrivatePostgresException(
                    $"PostgreSQL did not accept connections on port {port} within {options.StartTimeout.TotalSeconds:0} s " +
                    $"(last error: {lastError?.Message}). Last lines of {LogFile}:\n{LogTail()}");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>A paused server takes no shutdown signal until it runs again.</summary>
    private void ContinuePaused()
    {
        if (Interlocked.Exchange(ref paused, null) is { } stopped)
        {
            UnixProcess.ContinueAll(stopped);
        }
    }

    private async Task StopCoreAsync()
    {
        ContinuePaused();
        if (this.postmaster is not { } postmaster)
        {
            return;
        }

        if (!postmaster.HasExited)
        {
            UnixProcess.Signal(postmaster.Id, UnixProcess.SigInt);
            if (!await WaitForExitAsync(postmaster, TimeSpan.FromSeconds(30)))
            {
                logger.LogWarning("Private PostgreSQL {Pid} ignored a fast shutdown for 30 s; shutting it down immediately", postmaster.Id);
                UnixProcess.Signal(postmaster.Id, UnixProcess.SigQuit);
                if (!await WaitForExitAsync(postmaster, TimeSpan.FromSeconds(10)))
                {
                    await UnixProcess.WaitForExitAsync(UnixProcess.KillTree(postmaster.Id), TimeSpan.FromSeconds(10));
                }
            }

            logger.LogInformation("Private PostgreSQL on port {Port} stopped", port);
        }

        Forget(postmaster);
    }

    private void Forget(Process postmaster)
    {
        ProcessGuard.Untrack(this);
        postmaster.Dispose();
        this.postmaster = null;
        if (entryDirectory is not null && Directory.Exists(entryDirectory))
        {
            WriteMarker(postmasterPid: 0);
        }
    }

    private void RemoveEntry()
    {
        if (entryDirectory is null)
        {
            return;
        }

        if (temporary && options.KeepData)
        {
            // Without a marker the reaper leaves the directory alone.
            File.Delete(ClusterMarker.PathIn(entryDirectory));
            logger.LogInformation("Kept private PostgreSQL data in {DataDirectory}", dataDirectory);
            return;
        }

        // For a persistent cluster the entry holds only the marker; the data stays where it was put.
        ClusterRegistry.TryDelete(entryDirectory, logger);
    }

    private void WriteMarker(int postmasterPid) =>
        new ClusterMarker(Environment.ProcessId, ownerStartTime, dataDirectory!, temporary, postmasterPid).WriteTo(entryDirectory!);

    private (string FileName, IEnumerable<string> Arguments) AsServerAccount(string program, IEnumerable<string> arguments)
    {
        if (this.account is not { } account)
        {
            return (program, arguments);
        }

        var wrapped = account.Wrap(program, arguments).ToList();
        return (wrapped[0], wrapped.Skip(1));
    }

    /// <summary>
    /// Running as root, the server account must be able to walk down to its data directory; a data
    /// directory under /root (mode 0700) is the classic trap, so say so instead of letting initdb fail.
    /// </summary>
    private static void EnsureReachable(ServerAccount account, string dataDirectory)
    {
        for (var directory = Path.GetDirectoryName(dataDirectory); !string.IsNullOrEmpty(directory); directory = Path.GetDirectoryName(directory))
        {
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(directory) & UnixFileMode.OtherExecute) == 0)
            {
                throw new PrivatePostgresException(
                    $"PostgreSQL runs as the unprivileged account '{account.Name}' (it refuses root), which cannot enter {directory}. " +
                    "Choose a data directory outside it (configuration key Postgres:DataDirectory).");
            }
        }
    }

    private static async Task<bool> WaitForExitAsync(Process process, TimeSpan timeout)
    {
        using var timeoutSource = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private string LogTail()
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var lines = reader.ReadToEnd().Split('\n');
            return string.Join('\n', lines.TakeLast(30));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"(log unreadable: {ex.Message})";
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsLoopbackPortFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static InvalidOperationException NotStartedYet() =>
        new("The private PostgreSQL has not been started yet: call StartAsync first.");
}
