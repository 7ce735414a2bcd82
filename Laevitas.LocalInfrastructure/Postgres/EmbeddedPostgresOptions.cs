namespace Laevitas.LocalInfrastructure.Postgres;

/// <summary>
/// Configuration section <c>Postgres</c>: where the silo keeps its private PostgreSQL when
/// <c>ConnectionStrings:Postgres</c> is empty. Read before the host is built (the connection string
/// must exist before services are), hence validated by hand rather than with ValidateOnStart.
/// </summary>
public sealed class EmbeddedPostgresOptions
{
    public const string SectionName = "Postgres";

    /// <summary>
    /// A stable port lets psql and other tools find the database at the same address run after
    /// run. 5433 rather than 5432 so a system PostgreSQL can keep the standard port; if it is taken
    /// anyway (a second Debian cluster also defaults to 5433), a free port is used and logged,
    /// because refusing to start over a port number would be worse for a local run.
    /// </summary>
    public const int DefaultPort = 5433;

    /// <summary>Data directory; empty ⇒ <see cref="DefaultDataDirectory"/>.</summary>
    public string? DataDirectory { get; set; }

    public int Port { get; set; } = DefaultPort;

    /// <summary>The database the silo uses inside the private cluster.</summary>
    public string Database { get; set; } = "laevitas";

    /// <summary>
    /// The user's data folder (<c>~/.local/share/laevitas/postgres</c>), kept across runs so captured
    /// data survives a restart. Under root it is <c>/var/lib/laevitas/postgres</c> instead: the
    /// server must run as an unprivileged account, which cannot enter /root (mode 0700).
    /// </summary>
    public static string DefaultDataDirectory =>
        Environment.IsPrivilegedProcess
            ? "/var/lib/laevitas/postgres"
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "laevitas", "postgres");

    public void Validate()
    {
        if (Port is < 0 or > 65535)
        {
            throw new InvalidOperationException($"{SectionName}:Port must be between 0 (any free port) and 65535; it is {Port}.");
        }

        if (string.IsNullOrWhiteSpace(Database) || !Database.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            throw new InvalidOperationException($"{SectionName}:Database must be lower-case ASCII letters, digits or underscores; it is '{Database}'.");
        }
    }
}
