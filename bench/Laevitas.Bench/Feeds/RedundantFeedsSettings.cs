namespace Laevitas.Bench.Feeds;

/// <summary>Options of the redundant-feeds measurement (the <c>feeds</c> command, and the last part of <c>all</c>).</summary>
internal sealed record RedundantFeedsSettings(int Instruments, int Rate, TimeSpan Warmup, TimeSpan Window, int Windows, int Partitions)
{
    public const string Usage = "feeds [--instruments 5000] [--rate 10000] [--warmup 15] [--window 10] [--windows 3] [--partitions 8] [--kafka host:port]";

    public static RedundantFeedsSettings Read(BenchArguments arguments) => new(
        Instruments: arguments.Int("instruments", 5_000),
        Rate: arguments.Int("rate", 10_000),
        Warmup: TimeSpan.FromSeconds(arguments.Int("warmup", 15, min: 0)),
        Window: TimeSpan.FromSeconds(arguments.Int("window", 10)),
        Windows: arguments.Int("windows", 3),
        Partitions: arguments.Int("partitions", 8));
}
