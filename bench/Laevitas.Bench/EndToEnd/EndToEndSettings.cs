using System.Globalization;

namespace Laevitas.Bench.EndToEnd;

/// <summary>Options of the <c>all</c> command, read and checked up front.</summary>
internal sealed record EndToEndSettings(
    int Instruments,
    IReadOnlyList<int> Loads,
    int RampStep,
    int RampMax,
    IReadOnlyList<int> Overloads,
    TimeSpan Warmup,
    TimeSpan Window,
    int Windows,
    TimeSpan OverloadWarmup,
    TimeSpan BaselineDuration,
    TimeSpan DrainTimeout,
    string? Kafka,
    int Partitions,
    bool Fsync,
    int CopyConnections,
    int BatchRows,
    string OutputDirectory,
    bool SkipBaselines,
    bool SkipFeeds,
    bool AllowBusy,
    int CatchUpRate,
    TimeSpan? CatchUpOutage,
    bool SkipCatchUp,
    IReadOnlyDictionary<string, string> SiloEnvironment)
{
    public const string Usage =
        "all [--instruments 5000] [--loads 1000,10000,20000,30000,40000,50000] [--ramp 10000] [--ramp-max 200000] [--overloads 10,20] [--warmup 5] [--window 10] [--windows 3] [--overload-warmup 10] " +
        "[--baseline-seconds 15] [--drain-timeout 120] [--kafka host:port] [--partitions 8] [--fsync on|off] [--copy-connections 2] " +
        "[--batch-rows 5000] [--out bench] [--skip-baselines] [--skip-feeds] [--allow-busy] [--catchup-rate 10000] [--catchup-outage SECONDS] [--skip-catchup] [--silo-env NAME=VALUE,NAME=VALUE]";

    public static EndToEndSettings Read(BenchArguments arguments)
    {
        var loads = Positives(arguments.String("loads") ?? "1000,10000,20000,30000,40000,50000", "--loads");
        var fsync = arguments.String("fsync") ?? "on";
        if (fsync is not ("on" or "off"))
        {
            throw new ArgumentException($"--fsync takes on or off, not '{fsync}'.");
        }

        var settings = new EndToEndSettings(
            Instruments: arguments.Int("instruments", 5_000),
            Loads: loads,
            // Past the last of --loads, levels STEP apart while each is kept up: the sustained figure is then the
            // pipeline's capacity (within a step), not the top of a fixed list. 0 turns it off.
            RampStep: arguments.Int("ramp", 10_000, min: 0),
            RampMax: arguments.Int("ramp-max", 200_000),
            // Overload levels as multiples of the run's sustained rate (issue 24: 10× and 20×).
            Overloads: Positives(arguments.String("overloads") ?? "10,20", "--overloads"),
            Warmup: TimeSpan.FromSeconds(arguments.Int("warmup", 5, min: 0)),
            // Each level is measured over several back-to-back windows and reported as their median with min-max:
            // one window cannot tell a change from the machine's mood (see bench/results.md, Method).
            Window: TimeSpan.FromSeconds(arguments.Int("window", 10)),
            Windows: arguments.Int("windows", 3),
            OverloadWarmup: TimeSpan.FromSeconds(arguments.Int("overload-warmup", 10, min: 0)),
            BaselineDuration: TimeSpan.FromSeconds(arguments.Int("baseline-seconds", 15)),
            DrainTimeout: TimeSpan.FromSeconds(arguments.Int("drain-timeout", 120)),
            Kafka: arguments.String("kafka"),
            Partitions: arguments.Int("partitions", 8),
            Fsync: fsync == "on",
            CopyConnections: arguments.Int("copy-connections", 2),
            BatchRows: arguments.Int("batch-rows", 5_000),
            OutputDirectory: Path.GetFullPath(arguments.String("out") ?? "bench", RepositoryLayout.Root),
            SkipBaselines: arguments.Flag("skip-baselines"),
            SkipFeeds: arguments.Flag("skip-feeds"),
            AllowBusy: arguments.Flag("allow-busy"),
            CatchUpRate: arguments.Int("catchup-rate", 10_000),
            CatchUpOutage: arguments.String("catchup-outage") is null ? null : TimeSpan.FromSeconds(arguments.Int("catchup-outage", 60)),
            SkipCatchUp: arguments.Flag("skip-catchup"),
            SiloEnvironment: ParseEnvironment(arguments.String("silo-env")));
        arguments.RejectUnknown();
        return settings;
    }

    private static List<int> Positives(string text, string option) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => int.TryParse(t.Replace("_", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0
                ? v
                : throw new ArgumentException($"{option} takes positive integers separated by commas, got '{t}'."))
            .ToList();

    // Extra environment for the silo process, for experiments (GC settings, DOTNET_PerfMapEnabled, silo options).
    private static Dictionary<string, string> ParseEnvironment(string? text)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new ArgumentException($"--silo-env takes NAME=VALUE pairs separated by commas, got '{pair}'.");
            }

            environment[pair[..equals]] = pair[(equals + 1)..];
        }

        return environment;
    }
}
