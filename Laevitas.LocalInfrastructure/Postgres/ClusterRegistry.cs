using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Laevitas.LocalInfrastructure.Postgres;

/// <summary>
/// The well-known directory (<c>$TMPDIR/laevitas-pg</c>) holding one entry per private cluster on
/// this machine: its owner marker and, for disposable clusters, the data directory itself. Reaping
/// walks it and stops (immediate shutdown) every cluster whose owner process is gone.
/// </summary>
internal static class ClusterRegistry
{
    public static string DefaultRoot => Path.Combine(Path.GetTempPath(), "laevitas-pg");

    public static string CreateEntry(string root)
    {
        if (!Directory.Exists(root))
        {
            Directory.CreateDirectory(root);
            try
            {
                if (!OperatingSystem.IsWindows())
                {
                    // Shared like /tmp itself: every user can add entries, only owners can remove theirs.
                    File.SetUnixFileMode(root, (UnixFileMode)0b1_111_111_111);
                }
            }
            catch (UnauthorizedAccessException)
            {
                // Another user created it first; its mode is theirs to set.
            }
        }

        var id = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}-{Guid.NewGuid():N}")[..24];
        var entry = Path.Combine(root, id);
        Directory.CreateDirectory(entry);
        return entry;
    }

    /// <summary>Stops the clusters of dead owners and removes their entries. Returns how many were reaped.</summary>
    public static async Task<int> ReapOrphansAsync(string root, ILogger logger, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(root))
        {
            return 0;
        }

        var entries = new List<(string Directory, ClusterMarker? Marker)>();
        foreach (var directory in Directory.EnumerateDirectories(root))
        {
            entries.Add((directory, ClusterMarker.TryRead(directory)));
        }

        // A persistent data directory can be listed by a dead owner's stale marker and by the live
        // owner that restarted it; never touch a postmaster a live owner claims.
        var claimedByLiveOwners = entries
            .Where(e => e.Marker is { } m && UnixProcess.IsRunning(m.OwnerPid, m.OwnerStartTime))
            .Select(e => e.Marker!.PostmasterPid)
            .ToHashSet();

        var reaped = 0;
        foreach (var (directory, marker) in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // No marker: being created right now, or kept on purpose (KeepData). Not ours to judge.
            if (marker is null)
            {
                continue;
            }

            if (UnixProcess.IsRunning(marker.OwnerPid, marker.OwnerStartTime))
            {
                continue;
            }

            var postmaster = RunningPostmaster(marker.DataDirectory);
            if (postmaster > 0
                && !claimedByLiveOwners.Contains(postmaster)
                && (marker.Temporary || marker.PostmasterPid == postmaster || marker.PostmasterPid == 0))
            {
                logger.LogWarning(
                    "Reaping orphaned private PostgreSQL {Pid} on {DataDirectory}: its owner process {OwnerPid} is gone",
                    postmaster, marker.DataDirectory, marker.OwnerPid);
                await StopImmediatelyAsync(postmaster, cancellationToken);
            }

            // A persistent entry holds only the stale marker (the data stays where the user put it);
            // a temporary one holds the data too, which must not vanish under a server still running.
            if (!marker.Temporary || RunningPostmaster(marker.DataDirectory) == 0)
            {
                TryDelete(directory, logger);
            }

            reaped++;
        }

        return reaped;
    }

    /// <summary>
    /// The PID of the postmaster running on <paramref name="dataDirectory"/>, or 0. Its postmaster.pid
    /// names it; the process's own command line must name the directory too, or the PID was recycled.
    /// </summary>
    public static int RunningPostmaster(string dataDirectory)
    {
        string? firstLine;
        try
        {
            firstLine = File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).FirstOrDefault();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }

        return int.TryParse(firstLine, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
               && UnixProcess.IsRunning(pid)
               && UnixProcess.CommandLine(pid) is var commandLine
               && (commandLine.Contains($"-D {dataDirectory} ", StringComparison.Ordinal)
                   || commandLine.EndsWith($"-D {dataDirectory}", StringComparison.Ordinal))
            ? pid
            : 0;
    }

    /// <summary>Immediate shutdown (SIGQUIT): no checkpoint, crash recovery next start; kill if it hangs.</summary>
    private static async Task StopImmediatelyAsync(int postmaster, CancellationToken cancellationToken)
    {
        UnixProcess.Signal(postmaster, UnixProcess.SigQuit);
        if (!await UnixProcess.WaitForExitAsync([postmaster], TimeSpan.FromSeconds(10), cancellationToken))
        {
            await UnixProcess.WaitForExitAsync(UnixProcess.KillTree(postmaster), TimeSpan.FromSeconds(10), cancellationToken);
        }
    }

    public static void TryDelete(string directory, ILogger logger)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Someone else (a concurrent reaper) got there first.
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(ex, "Could not delete {Directory}", directory);
        }
    }
}
