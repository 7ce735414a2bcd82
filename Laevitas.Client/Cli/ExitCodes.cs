namespace Laevitas.Client.Cli;

/// <summary>What the client's exit code means (also printed by <c>laevitas --help</c> and in the README).</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Something unexpected failed; the message says what.</summary>
    public const int Error = 1;

    /// <summary>Bad command line: unknown command or option, malformed instrument name, time or filter.</summary>
    public const int Usage = 2;

    /// <summary>The instrument is not known to the cluster, or no delivery price of the index is stored.</summary>
    public const int NotFound = 3;

    /// <summary>No silo of the cluster could be reached within the timeout.</summary>
    public const int NoCluster = 4;

    /// <summary>The cluster answered but its storage (PostgreSQL) could not.</summary>
    public const int StorageUnavailable = 5;

    public const string Help =
        "Exit codes: 0 ok, 1 unexpected error, 2 usage error (bad option, name, time or filter), 3 instrument or index not found, " +
        "4 no cluster reachable, 5 storage (PostgreSQL) unreachable.";
}
