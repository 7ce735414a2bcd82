using System.Globalization;

namespace Laevitas.Bench;

/// <summary><c>--name value</c> and <c>--flag</c> options of a bench command; unknown or malformed ones are errors.</summary>
internal sealed class BenchArguments
{
    private readonly Dictionary<string, string?> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> used = new(StringComparer.Ordinal);

    public BenchArguments(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || args[i].Length < 3)
            {
                throw new ArgumentException($"Expected an option (--name), got '{args[i]}'.");
            }

            var hasValue = i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            values[args[i][2..]] = hasValue ? args[++i] : null;
        }
    }

    public int Int(string name, int fallback, int min = 1)
    {
        used.Add(name);
        if (!values.TryGetValue(name, out var text))
        {
            return fallback;
        }

        if (!int.TryParse(text?.Replace("_", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min)
        {
            throw new ArgumentException($"--{name} needs an integer >= {min}, got '{text}'.");
        }

        return value;
    }

    public string? String(string name)
    {
        used.Add(name);
        return values.TryGetValue(name, out var text) ? text ?? throw new ArgumentException($"--{name} needs a value.") : null;
    }

    /// <summary>An option that may be given alone (<paramref name="whenBare"/>) or with a value; null when absent.</summary>
    public string? FlagOrString(string name, string whenBare)
    {
        used.Add(name);
        return values.TryGetValue(name, out var text) ? text ?? whenBare : null;
    }

    public bool Flag(string name)
    {
        used.Add(name);
        return values.ContainsKey(name);
    }

    /// <summary>Call after reading every option: a misspelt option must not silently fall back to its default.</summary>
    public void RejectUnknown()
    {
        var unknown = values.Keys.Where(k => !used.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown option(s): {string.Join(", ", unknown.Select(k => "--" + k))}.");
        }
    }
}
