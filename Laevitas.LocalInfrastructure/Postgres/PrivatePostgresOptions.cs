namespace Laevitas.LocalInfrastructure.Postgres;

/// <summary>How a <see cref="PrivatePostgres"/> cluster is placed.</summary>
public sealed class PrivatePostgresOptions
{
    /// <summary>
    /// Where the cluster lives. Null ⇒ a fresh directory under <c>$TMPDIR/laevitas-pg</c>, deleted on
    /// dispose (tests). A given directory is created and initdb'd when empty, and reused otherwise.
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>TCP port on 127.0.0.1; 0 ⇒ a free port chosen at first start and kept across restarts.</summary>
    public int Port { get; set; }

    /// <summary>When <see cref="Port"/> is taken at first start, use a free port instead of failing.</summary>
    public bool FallBackToFreePort { get; set; }

    /// <summary>Keep a temporary data directory on dispose (to inspect a failed test); its path is logged.</summary>
    public bool KeepData { get; set; }

    /// <summary>
    /// Stop the server when this process gets SIGTERM or SIGHUP (which .NET does not turn into
    /// ProcessExit). A host with its own graceful shutdown (the silo) turns this off so the server
    /// outlives the silo's final writes and is stopped by the host instead.
    /// </summary>
    public bool StopOnTerminationSignal { get; set; } = true;

    /// <summary>How long a start may take before it is abandoned (initdb not included).</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
