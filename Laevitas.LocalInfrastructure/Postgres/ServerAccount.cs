namespace Laevitas.LocalInfrastructure.Postgres;

/// <summary>
/// The unprivileged account the server runs under when this process is root: initdb and postgres
/// refuse to run as root (a compromised server must not own the machine). The Debian package's
/// <c>postgres</c> system user is used when it exists; otherwise a dedicated system user
/// <c>laevitas-pg</c> is created once with useradd. Programs are started through util-linux
/// <c>setpriv</c>, which switches uid/gid and execs directly (no PAM session, no extra process,
/// so the PID we start is the PID of the server).
/// </summary>
internal sealed record ServerAccount(string Name, int Uid, int Gid)
{
    public const string PreferredName = "postgres";
    public const string FallbackName = "laevitas-pg";

    private static readonly SemaphoreSlim CreationLock = new(1, 1);

    /// <summary>Null when this process is not root: then everything simply runs as the current user.</summary>
    public static async Task<ServerAccount?> ForCurrentProcessAsync(CancellationToken cancellationToken)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return null;
        }

        if (await FindAsync(PreferredName, cancellationToken) is { } existing)
        {
            return existing;
        }

        await CreationLock.WaitAsync(cancellationToken);
        try
        {
            if (await FindAsync(FallbackName, cancellationToken) is { } created)
            {
                return created;
            }

            var (exitCode, output) = await ExternalCommand.RunAsync(
                "useradd",
                ["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", FallbackName],
                TimeSpan.FromSeconds(30),
                cancellationToken);
            // Exit code 9: another process created it between our lookup and useradd.
            if (exitCode is not (0 or 9))
            {
                throw new InvalidOperationException(
                    $"Running as root, PostgreSQL needs an unprivileged account; creating '{FallbackName}' with useradd failed ({exitCode}): {output}");
            }

            return await FindAsync(FallbackName, cancellationToken)
                ?? throw new InvalidOperationException($"useradd reported success but account '{FallbackName}' is not visible.");
        }
        finally
        {
            CreationLock.Release();
        }
    }

    /// <summary>The program and arguments that run <paramref name="program"/> as this account.</summary>
    public IEnumerable<string> Wrap(string program, IEnumerable<string> arguments) =>
        new[] { "setpriv", $"--reuid={Uid}", $"--regid={Gid}", "--clear-groups", "--", program }.Concat(arguments);

    public void Own(string path) => UnixProcess.Chown(path, Uid, Gid);

    private static async Task<ServerAccount?> FindAsync(string name, CancellationToken cancellationToken)
    {
        // getent consults NSS, so accounts from LDAP/sssd are honoured too.
        var (exitCode, output) = await ExternalCommand.RunAsync("getent", ["passwd", name], TimeSpan.FromSeconds(10), cancellationToken);
        if (exitCode != 0)
        {
            return null;
        }

        var fields = output.Trim().Split(':');
        return fields.Length >= 4 && int.TryParse(fields[2], out var uid) && int.TryParse(fields[3], out var gid)
            ? new ServerAccount(name, uid, gid)
            : null;
    }
}
