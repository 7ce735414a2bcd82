using System.Globalization;
using System.Text;

namespace Laevitas.LocalInfrastructure.Postgres;

/// <summary>
/// The file that says who owns a private cluster: the owning process (PID plus its start time, so a
/// recycled PID does not look alive), the data directory, whether that directory is disposable, and
/// the postmaster last started for it. A test host that crashes cannot stop its clusters; the next
/// <see cref="PrivatePostgres"/> to start reads these markers and reaps the clusters of dead owners.
/// </summary>
internal sealed record ClusterMarker(int OwnerPid, long OwnerStartTime, string DataDirectory, bool Temporary, int PostmasterPid)
{
    public const string FileName = "owner";

    public static string PathIn(string entryDirectory) => Path.Combine(entryDirectory, FileName);

    public void WriteTo(string entryDirectory)
    {
        var text = new StringBuilder()
            .Append("owner_pid=").Append(OwnerPid.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("owner_start_time=").Append(OwnerStartTime.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("data_directory=").Append(DataDirectory).Append('\n')
            .Append("temporary=").Append(Temporary ? "true" : "false").Append('\n')
            .Append("postmaster_pid=").Append(PostmasterPid.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .ToString();
        // Write-then-rename: a reaper never sees a half-written marker.
        var path = PathIn(entryDirectory);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }

    public static ClusterMarker? TryRead(string entryDirectory)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(PathIn(entryDirectory));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var equals = line.IndexOf('=');
            if (equals > 0)
            {
                values[line[..equals]] = line[(equals + 1)..];
            }
        }

        return values.TryGetValue("owner_pid", out var ownerPid)
               && values.TryGetValue("owner_start_time", out var ownerStart)
               && values.TryGetValue("data_directory", out var dataDirectory)
               && values.TryGetValue("temporary", out var temporaryText)
               && values.TryGetValue("postmaster_pid", out var postmasterPid)
               && int.TryParse(ownerPid, NumberStyles.None, CultureInfo.InvariantCulture, out var owner)
               && long.TryParse(ownerStart, NumberStyles.None, CultureInfo.InvariantCulture, out var start)
               && int.TryParse(postmasterPid, NumberStyles.None, CultureInfo.InvariantCulture, out var postmaster)
            ? new ClusterMarker(owner, start, dataDirectory, temporaryText == "true", postmaster)
            : null;
    }
}
