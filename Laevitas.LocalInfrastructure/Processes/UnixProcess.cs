using System.Globalization;
using System.Runtime.InteropServices;

namespace Laevitas.LocalInfrastructure.Processes;

/// <summary>
/// The few Linux process facts the private cluster needs and .NET does not expose: arbitrary
/// signals (fast/immediate shutdown, stop-then-kill), process start times (so a recycled PID is not
/// mistaken for a live owner), parent links (a postmaster's backends) and chown.
/// </summary>
internal static class UnixProcess
{
    public const int SigHup = 1;
    public const int SigInt = 2;
    public const int SigQuit = 3;
    public const int SigKill = 9;
    public const int SigCont = 18;
    public const int SigStop = 19;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);

    [DllImport("libc", EntryPoint = "chown", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int SysChown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int owner, int group);

    /// <summary>Sends a signal; false when the process does not exist (or is not ours to signal).</summary>
    public static bool Signal(int pid, int signal) => pid > 0 && SysKill(pid, signal) == 0;

    public static void Chown(string path, int uid, int gid)
    {
        if (SysChown(path, uid, gid) != 0)
        {
            throw new IOException($"chown {uid}:{gid} {path} failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>Reads /proc/&lt;pid&gt;/stat; null when the process is gone.</summary>
    public static ProcessStat? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid ..." — comm may contain spaces and parentheses, so split after the last ')'.
        var close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        var fields = text[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state), fields[1] field 4 (ppid), fields[19] field 22 (starttime).
        if (fields.Length < 20)
        {
            return null;
        }

        return new ProcessStat(
            fields[0][0],
            int.Parse(fields[1], CultureInfo.InvariantCulture),
            long.Parse(fields[19], CultureInfo.InvariantCulture));
    }

    /// <summary>True while the process exists and is not a zombie (a zombie has already exited).</summary>
    public static bool IsRunning(int pid) => pid > 0 && ReadStat(pid) is { State: not ('Z' or 'X') };

    /// <summary>True while the very process that had <paramref name="startTime"/> still runs.</summary>
    public static bool IsRunning(int pid, long startTime) =>
        pid > 0 && ReadStat(pid) is { State: not ('Z' or 'X') } stat && stat.StartTime == startTime;

    public static long CurrentStartTime() =>
        ReadStat(Environment.ProcessId)?.StartTime ?? throw new InvalidOperationException("/proc/self/stat is unreadable.");

    public static List<int> ChildrenOf(int parentPid)
    {
        var children = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ReadStat(pid) is { } stat
                && stat.ParentPid == parentPid)
            {
                children.Add(pid);
            }
        }

        return children;
    }

    /// <summary>The command line of a process, arguments joined by spaces; empty when unreadable.</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').TrimEnd();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>
    /// Kills a postmaster and all its children at once. Backends call setsid(), so a process-group
    /// kill would miss them; and once the postmaster dies they are re-parented, so they are found
    /// first — with the postmaster stopped (SIGSTOP) so it cannot fork new ones meanwhile.
    /// </summary>
    public static List<int> KillTree(int postmasterPid)
    {
        Signal(postmasterPid, SigStop);
        var victims = ChildrenOf(postmasterPid);
        foreach (var child in victims)
        {
            Signal(child, SigKill);
        }

        Signal(postmasterPid, SigKill);
        victims.Add(postmasterPid);
        return victims;
    }

    /// <summary>
    /// Stops (SIGSTOP) a postmaster and all its children, the postmaster first so it forks no new ones; returns them
    /// all, for <see cref="ContinueAll"/>. Their sockets stay open and nothing on them is answered.
    /// </summary>
    public static List<int> StopTree(int postmasterPid)
    {
        Signal(postmasterPid, SigStop);
        var stopped = ChildrenOf(postmasterPid);
        foreach (var child in stopped)
        {
            Signal(child, SigStop);
        }

        stopped.Add(postmasterPid);
        return stopped;
    }

    /// <summary>SIGCONT to every process of the list.</summary>
    public static void ContinueAll(IEnumerable<int> pids)
    {
        foreach (var pid in pids)
        {
            Signal(pid, SigCont);
        }
    }

    public static async Task<bool> WaitForExitAsync(IEnumerable<int> pids, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        var pending = pids.ToList();
        while (true)
        {
            pending.RemoveAll(pid => !IsRunning(pid));
            if (pending.Count == 0)
            {
                return true;
            }

            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(25, cancellationToken);
        }
    }
}
