namespace Laevitas.LocalInfrastructure.Postgres;

/// <summary>
/// Thrown when no PostgreSQL server installation can be found. The message always names the
/// package to install, because that is the only thing a user can do about it.
/// </summary>
public sealed class PostgresBinariesNotFoundException : Exception
{
    public const string Instructions =
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found. Install them with: sudo apt-get install -y postgresql";

    public PostgresBinariesNotFoundException(string details)
        : base($"{Instructions} ({details})")
    {
    }
}
