namespace Laevitas.Bench.EndToEnd;

/// <summary>
/// The hand-kept last section of <c>results.md</c>: the measurements that code comments point to, which a run does not
/// re-measure. A run rewrites the file, so it carries this section over unchanged.
/// </summary>
internal static class KeptSection
{
    public const string Heading = "## Figures behind design choices";

    /// <summary>The section, from the line before its heading to the end of the file; empty when either is missing.</summary>
    public static string Read(string path)
    {
        if (!File.Exists(path))
        {
            return "";
        }

        var text = File.ReadAllText(path);
        var at = text.IndexOf("\n" + Heading, StringComparison.Ordinal);
        return at < 0 ? "" : text[at..];
    }
}
