using System.Runtime.InteropServices;

namespace Laevitas.LocalInfrastructure.Processes;

/// <summary>
/// Stops every running private cluster when the process ends without disposing them: on
/// ProcessExit (normal exit, and SIGINT/SIGQUIT that nobody handled — .NET raises ProcessExit for
/// those) and on SIGTERM/SIGHUP, for which .NET does not. Only clusters that opted in are stopped
/// on a signal; the silo leaves that to its host's graceful shutdown.
/// </summary>
internal static class ProcessGuard
{
    private static readonly Lock Sync = new();
    private static readonly HashSet<PrivatePostgres> Running = [];
    private static readonly List<PosixSignalRegistration> Registrations = [];
    private static bool _installed;

    public static void Track(PrivatePostgres cluster)
    {
        lock (Sync)
        {
            if (!_installed)
            {
                _installed = true;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll(onlyOnSignal: false);
                // Not cancelling the signal context: after the clusters are stopped, the default action
                // (terminate) proceeds, and any host's own handler still runs.
                Registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => StopAll(onlyOnSignal: true)));
                Registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, _ => StopAll(onlyOnSignal: true)));
            }

            Running.Add(cluster);
        }
    }

    public static void Untrack(PrivatePostgres cluster)
    {
        lock (Sync)
        {
            Running.Remove(cluster);
        }
    }

    private static void StopAll(bool onlyOnSignal)
    {
        PrivatePostgres[] clusters;
        lock (Sync)
        {
            clusters = Running.Where(c => !onlyOnSignal || c.StopsOnTerminationSignal).ToArray();
        }

        foreach (var cluster in clusters)
        {
            cluster.BeginEmergencyStop();
        }

        foreach (var cluster in clusters)
        {
            cluster.CompleteEmergencyStop();
        }
    }
}
