using System.Diagnostics;
using System.Globalization;

namespace Laevitas.Bench.EndToEnd;

/// <summary>
/// The silo under test as a process of its own (<c>dotnet Laevitas.Silo.dll</c>, configured through environment
/// variables), so its memory and CPU are its own and not mixed with the simulator's and the broker's in this process.
/// Its output goes to a log file; the last lines are kept to explain a failure.
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private const int KeptLines = 40;

    private readonly Process process;
    private readonly StreamWriter log;
    private readonly Queue<string> lastLines = new();
    private readonly Lock gate = new();
    private bool closed;

    private SiloProcess(Process process, StreamWriter log, DateTime startedAtUtc)
    {
        this.process = process;
        this.log = log;
        StartedAtUtc = startedAtUtc;
    }

    /// <summary>Wall-clock time just before the process was started (start-up time is measured from here).</summary>
    public DateTime StartedAtUtc { get; }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public string LogPath { get; private init; } = "";

    public static SiloProcess Start(string assembly, IReadOnlyDictionary<string, string> environment, string logPath)
    {
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException($"Silo build not found at {assembly}: build it first (dotnet build -c Release Laevitas.Silo, or ./bench.sh).", assembly);
        }

        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { assembly },
            // The silo reads appsettings.json from its content root, the working directory.
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // Settings inherited from the caller's shell must not point the silo elsewhere.
        foreach (var key in info.Environment.Keys.Where(IsSiloSetting).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var startedAt = DateTime.UtcNow;
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start.");
        var silo = new SiloProcess(process, log, startedAt) { LogPath = logPath };
        process.OutputDataReceived += (_, e) => silo.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => silo.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    public ProcessSample? Sample() => ProcessSample.Read(process.Id);

    /// <summary>The last lines the silo wrote, to show when it failed.</summary>
    public string Tail()
    {
        lock (gate)
        {
            return string.Join(Environment.NewLine, lastLines);
        }
    }

    /// <summary>SIGTERM (the host's graceful shutdown), then a kill if it has not exited within <paramref name="timeout"/>.</summary>
    public async Task<TimeSpan> StopAsync(TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        if (process.HasExited)
        {
            return TimeSpan.Zero;
        }

        using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", process.Id.ToString(CultureInfo.InvariantCulture) } }))
        {
            await kill!.WaitForExitAsync();
        }

        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        return stopwatch.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        lock (gate)
        {
            closed = true;
            log.Dispose();
        }
    }

    private static bool IsSiloSetting(string key) =>
        key.StartsWith("Deribit__", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("Kafka__", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("Orleans__", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("Publisher__", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("TickWriter__", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase);

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            if (closed)
            {
                return;
            }

            log.WriteLine(line);
            lastLines.Enqueue(line);
            if (lastLines.Count > KeptLines)
            {
                lastLines.Dequeue();
            }
        }
    }
}
