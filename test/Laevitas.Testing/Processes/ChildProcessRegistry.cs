using System.Diagnostics;
using System.Globalization;
using Laevitas.LocalInfrastructure.Processes;

namespace Laevitas.Testing.Processes;

/// <summary>
/// Makes sure no silo process outlives the test run. Every child is killed on dispose, on process exit, and — if
/// the test host itself was killed — by the next run: each child is recorded in <c>$TMPDIR/laevitas-chaos</c> with
/// the owner's PID and start time, and a child whose owner is gone is SIGKILLed when a harness starts.
/// </summary>
public static class ChildProcessRegistry
{
    private static readonly Lock Sync = new();
    private static readonly Dictionary<int, Process> Running = [];
    private static bool _hooked;

    public static string Root => Path.Combine(Path.GetTempPath(), "laevitas-chaos", "children");

    public static void Track(Process process)
    {
        lock (Sync)
        {
            if (!_hooked)
            {
                _hooked = true;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
            }

            Running[process.Id] = process;
        }

        Directory.CreateDirectory(Root);
        var self = UnixProcess.ReadStat(Environment.ProcessId)!.Value;
        var child = UnixProcess.ReadStat(process.Id);
        File.WriteAllText(EntryPath(process.Id), string.Create(CultureInfo.InvariantCulture,
            $"{Environment.ProcessId} {self.StartTime} {child?.StartTime ?? 0}"));
    }

    public static void Untrack(Process process)
    {
        lock (Sync)
        {
            Running.Remove(process.Id);
        }

        File.Delete(EntryPath(process.Id));
    }

    /// <summary>SIGKILLs children left behind by test hosts that died; returns how many.</summary>
    public static int ReapOrphans()
    {
        if (!Directory.Exists(Root))
        {
            return 0;
        }

        var reaped = 0;
        foreach (var file in Directory.EnumerateFiles(Root))
        {
            var parts = File.ReadAllText(file).Split(' ');
            if (parts.Length != 3
                || !int.TryParse(Path.GetFileName(file), NumberStyles.None, CultureInfo.InvariantCulture, out var childPid)
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ownerPid)
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ownerStart)
                || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var childStart))
            {
                File.Delete(file);
                continue;
            }

            if (UnixProcess.IsRunning(ownerPid, ownerStart))
            {
                continue; // another live test run owns it
            }

            // Only the very process that was recorded (same PID and start time), never a recycled PID.
            if (UnixProcess.IsRunning(childPid, childStart))
            {
                UnixProcess.Signal(childPid, UnixProcess.SigKill);
                reaped++;
            }

            File.Delete(file);
        }

        return reaped;
    }

    private static void KillAll()
    {
        Process[] children;
        lock (Sync)
        {
            children = [.. Running.Values];
        }

        foreach (var child in children)
        {
            try
            {
                child.Kill();
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }
        }
    }

    private static string EntryPath(int pid) => Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture));
}
