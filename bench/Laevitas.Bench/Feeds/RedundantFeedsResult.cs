namespace Laevitas.Bench.Feeds;

/// <summary>One measured window of a two-silo cluster: CPU per silo, and what the market generated and Kafka took.</summary>
internal sealed record FeedsWindow(double[] SiloCores, double GeneratedPerSecond, double SentPerSecond, double PublishedPerSecond)
{
    public double TotalCores => SiloCores.Sum();
}

/// <summary>The same two-silo cluster at the same offered load, run with <see cref="FeedReplicas"/> feeds.</summary>
internal sealed record FeedsConfiguration(
    int FeedReplicas,
    IReadOnlyList<FeedsWindow> Windows,
    long[] SiloMaxRssBytes,
    long Generated,
    long OnTopic)
{
    public double MedianTotalCores => Statistics.Median(Windows.Select(w => w.TotalCores));

    public double MedianGeneratedPerSecond => Statistics.Median(Windows.Select(w => w.GeneratedPerSecond));

    public double MedianSentPerSecond => Statistics.Median(Windows.Select(w => w.SentPerSecond));

    public long TotalMaxRssBytes => SiloMaxRssBytes.Sum();
}

/// <summary>One feed against two, same cluster, same load: what the second feed costs, and what Kafka carried.</summary>
internal sealed record RedundantFeedsResult(int Instruments, int Rate, TimeSpan Window, FeedsConfiguration One, FeedsConfiguration Two)
{
    public double SecondFeedCores => Two.MedianTotalCores - One.MedianTotalCores;

    public double SecondFeedCpuMsPer1000 => SecondFeedCores / Two.MedianGeneratedPerSecond * 1_000_000;

    public long SecondFeedRssBytes => Two.TotalMaxRssBytes - One.TotalMaxRssBytes;
}
