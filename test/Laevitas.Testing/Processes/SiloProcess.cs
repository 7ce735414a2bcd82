using System.Diagnostics;
using System.Globalization;
using Laevitas.LocalInfrastructure.Processes;

namespace Laevitas.Testing.Processes;

/// <summary>
/// One silo slot: a <c>dotnet Laevitas.Silo.dll</c> process with fixed ports, spool directory and log file, which a
/// test can SIGKILL, stop gracefully and start again (each start is a new incarnation on the same ports). Output of
/// every incarnation is appended to <see cref="LogPath"/>. The chaos suite runs three of them; the bench runs one, so
/// that the silo's memory and CPU are its own and not mixed with the simulator's and the broker's.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Dictionary<string, string> environment;
    private readonly Lock sync = new();
    private readonly List<string> lines = [];
    private StreamWriter? log;
    private Process? process;
    private int incarnation;
    private DateTime startedAtUtc;

    /// <param name="dllPath">The silo's build output; by default the one the test or bench project recorded (<see cref="SiloBuild"/>).</param>
    public SiloProcess(string name, string logDirectory, string spoolDirectory, IReadOnlyDictionary<string, string> environment, string? dllPath = null)
    {
        Name = name;
        DllPath = dllPath ?? SiloBuild.DllPath;
        SiloPort = FreePorts.Next();
        GatewayPort = FreePorts.Next();
        HttpPort = FreePorts.Next();
        SpoolDirectory = spoolDirectory;
        LogPath = Path.Combine(logDirectory, $"{name}.log");
        this.environment = new Dictionary<string, string>(environment, StringComparer.Ordinal)
        {
            ["Orleans__SiloPort"] = SiloPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = GatewayPort.ToString(CultureInfo.InvariantCulture),
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{HttpPort}",
            ["Publisher__SpoolDirectory"] = spoolDirectory,
        };
    }

    public string Name { get; }

    public string DllPath { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public int HttpPort { get; }

    public string HttpBase => $"http://127.0.0.1:{HttpPort}";

    public string SpoolDirectory { get; }

    public string LogPath { get; }

    /// <summary>Starts so far (1 after the first start).</summary>
    public int Incarnation => incarnation;

    public int? ProcessId
    {
        get
        {
            lock (sync)
            {
                return process is { HasExited: false } p ? p.Id : null;
            }
        }
    }

    public bool IsRunning => ProcessId is not null;

    /// <summary>Wall-clock time just before the current incarnation was started (start-up times are measured from here).</summary>
    public DateTime StartedAtUtc
    {
        get
        {
            lock (sync)
            {
                return startedAtUtc;
            }
        }
    }

    /// <summary>Memory and CPU of the current incarnation from <c>/proc</c>; null when it is not running.</summary>
    public ProcessSample? Sample() => ProcessId is { } pid ? ProcessSample.Read(pid) : null;

    /// <summary>The last lines the current incarnation wrote, to show when it failed.</summary>
    public string Tail(int lines = 40) => string.Join(Environment.NewLine, Lines.TakeLast(lines));

    /// <summary>Extra settings for the next starts (e.g. a smaller spool bound); null removes one.</summary>
    public void SetEnvironment(string key, string? value)
    {
        if (value is null)
        {
            environment.Remove(key);
        }
        else
        {
            environment[key] = value;
        }
    }

    /// <summary>Lines the current incarnation wrote so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (lines)
            {
                return [.. lines];
            }
        }
    }

    public bool HasLogged(string fragment)
    {
        lock (lines)
        {
            return lines.Exists(l => l.Contains(fragment, StringComparison.Ordinal));
        }
    }

    public void Start()
    {
        lock (sync)
        {
            if (this.process is { HasExited: false })
            {
                throw new InvalidOperationException($"{Name} is already running (pid {this.process.Id}).");
            }

            this.process?.Dispose();
            lock (lines)
            {
                lines.Clear();
            }

            Directory.CreateDirectory(Path.GetDirectoryName(LogPath)!);
            log ??= new StreamWriter(new FileStream(LogPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
            var incarnation = ++this.incarnation;
            var start = new ProcessStartInfo("dotnet")
            {
                // The content root is the working directory: appsettings.json next to the dll.
                WorkingDirectory = Path.GetDirectoryName(DllPath)!,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(DllPath);
            foreach (var key in start.Environment.Keys.ToList())
            {
                // Nothing of the test host's own configuration may leak into the silo.
                if (key.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || key.StartsWith("DOTNET_", StringComparison.Ordinal) || key.Contains("__", StringComparison.Ordinal))
                {
                    start.Environment.Remove(key);
                }
            }

            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }

            var process = new Process { StartInfo = start, EnableRaisingEvents = true };
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            WriteLog($"==== {Name} incarnation {incarnation} starting at {DateTime.UtcNow:O} (silo {SiloPort}, gateway {GatewayPort}, http {HttpPort})");
            startedAtUtc = DateTime.UtcNow;
            process.Start();
            ChildProcessRegistry.Track(process);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            this.process = process;
            WriteLog($"==== pid {process.Id}");
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, sockets are reset by the kernel.</summary>
    public async Task KillAsync()
    {
        Process? process;
        lock (sync)
        {
            process = this.process;
        }

        if (process is null || process.HasExited)
        {
            return;
        }

        UnixProcess.Signal(process.Id, UnixProcess.SigKill);
        await process.WaitForExitAsync();
        Finish(process, "killed with SIGKILL");
    }

    /// <summary>
    /// SIGTERM and wait for a graceful shutdown; SIGKILL after <paramref name="timeout"/>. Returns how long the
    /// shutdown took (zero when it was not running).
    /// </summary>
    public async Task<TimeSpan> StopAsync(TimeSpan? timeout = null)
    {
        Process? process;
        lock (sync)
        {
            process = this.process;
        }

        if (process is null || process.HasExited)
        {
            return TimeSpan.Zero;
        }

        var stopwatch = Stopwatch.StartNew();
        UnixProcess.Signal(process.Id, 15);
        using var wait = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(45));
        try
        {
            await process.WaitForExitAsync(wait.Token);
            Finish(process, $"stopped with SIGTERM, exit code {process.ExitCode}");
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
        }

        return stopwatch.Elapsed;
    }

    /// <summary>
    /// SIGSTOP: the process and its sockets stay, but nothing in it runs or answers — a stalled VM, a long GC pause, a
    /// debugger. <see cref="Resume"/> lets it go on from where it stood.
    /// </summary>
    public void Pause() => Signal("STOP");

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => Signal("CONT");

    private void Signal(string signal)
    {
        var pid = ProcessId ?? throw new InvalidOperationException($"{Name} is not running.");
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, pid.ToString(CultureInfo.InvariantCulture) } })!;
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {pid} ({Name}) exited with {kill.ExitCode}.");
        }

        WriteLog($"==== SIG{signal} at {DateTime.UtcNow:O}");
    }

    /// <summary>Exit code when the current incarnation ended by itself (crash), else null.</summary>
    public int? UnexpectedExitCode
    {
        get
        {
            lock (sync)
            {
                return process is { HasExited: true } p ? p.ExitCode : null;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        lock (sync)
        {
            process?.Dispose();
            process = null;
            log?.Dispose();
            log = null;
        }
    }

    private void Finish(Process process, string how)
    {
        // Let the output pumps drain what the process wrote before it ended.
        process.WaitForExit();
        ChildProcessRegistry.Untrack(process);
        WriteLog($"==== {Name} pid {process.Id} {how} at {DateTime.UtcNow:O}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (lines)
        {
            lines.Add(line);
        }

        WriteLog(line);
    }

    private void WriteLog(string line)
    {
        lock (sync)
        {
            log?.WriteLine(line);
        }
    }
}
