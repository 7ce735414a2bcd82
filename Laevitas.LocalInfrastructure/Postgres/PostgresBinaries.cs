using System.Diagnostics;

namespace Laevitas.LocalInfrastructure.Postgres;

/// <summary>
/// Locates the PostgreSQL server programs. Any installed major version works: the private cluster
/// only needs <c>initdb</c> and <c>postgres</c> (and <c>pg_ctl</c>, which users reach for by hand).
/// </summary>
/// <remarks>
/// Search order: the <c>LAEVITAS_PG_BIN</c> environment variable (authoritative when set: a wrong
/// value is an error, not a reason to silently pick another version), <c>pg_config --bindir</c>,
/// the highest <c>/usr/lib/postgresql/*/bin</c> (Debian/Ubuntu keep server binaries off PATH), then PATH.
/// </remarks>
public sealed class PostgresBinaries
{
    public const string OverrideVariable = "LAEVITAS_PG_BIN";

    private const string DebianRoot = "/usr/lib/postgresql";
    private static readonly string[] RequiredPrograms = ["initdb", "pg_ctl", "postgres"];

    private PostgresBinaries(string binDirectory) => BinDirectory = binDirectory;

    public string BinDirectory { get; }

    public string InitDb => Path.Combine(BinDirectory, "initdb");

    public string PgCtl => Path.Combine(BinDirectory, "pg_ctl");

    public string Postgres => Path.Combine(BinDirectory, "postgres");

    /// <exception cref="PostgresBinariesNotFoundException">No directory holds all the server programs.</exception>
    public static PostgresBinaries Locate()
    {
        var overrideDirectory = Environment.GetEnvironmentVariable(OverrideVariable);
        if (!string.IsNullOrWhiteSpace(overrideDirectory))
        {
            var full = Path.GetFullPath(overrideDirectory);
            return HasServerPrograms(full)
                ? new PostgresBinaries(full)
                : throw new PostgresBinariesNotFoundException($"{OverrideVariable}={overrideDirectory} does not contain them");
        }

        foreach (var candidate in Candidates())
        {
            if (HasServerPrograms(candidate))
            {
                return new PostgresBinaries(candidate);
            }
        }

        throw new PostgresBinariesNotFoundException(
            $"searched pg_config --bindir, {DebianRoot}/*/bin and PATH; set {OverrideVariable} to use another installation");
    }

    private static IEnumerable<string> Candidates()
    {
        if (PgConfigBinDirectory() is { } fromPgConfig)
        {
            yield return fromPgConfig;
        }

        foreach (var versioned in DebianVersionDirectories())
        {
            yield return versioned;
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (directory.Length == 0)
            {
                continue;
            }

            // Distributions often put symlinks on PATH; postgres itself finds its share directory
            // from its real location, so prefer the directory the symlink points into.
            var initDb = new FileInfo(Path.Combine(directory, "initdb"));
            if (initDb.Exists && initDb.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { DirectoryName: { } realDirectory })
            {
                yield return realDirectory;
            }

            yield return directory;
        }
    }

    private static string? PgConfigBinDirectory()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit(5000);
            return process.HasExited && process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // pg_config is not installed (it comes with libpq-dev, not with the server).
            return null;
        }
    }

    private static IEnumerable<string> DebianVersionDirectories()
    {
        if (!Directory.Exists(DebianRoot))
        {
            return [];
        }

        var versions = new List<(Version Version, string Bin)>();
        foreach (var directory in Directory.EnumerateDirectories(DebianRoot))
        {
            var name = Path.GetFileName(directory);
            // Majors are "15", "16"; before PostgreSQL 10 they were "9.6". Version wants two parts.
            if (Version.TryParse(name.Contains('.') ? name : name + ".0", out var version))
            {
                versions.Add((version, Path.Combine(directory, "bin")));
            }
        }

        versions.Sort((a, b) => b.Version.CompareTo(a.Version));
        return versions.Select(v => v.Bin);
    }

    private static bool HasServerPrograms(string directory)
    {
        foreach (var program in RequiredPrograms)
        {
            var path = Path.Combine(directory, program);
            if (!File.Exists(path) || (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0))
            {
                return false;
            }
        }

        return true;
    }
}
