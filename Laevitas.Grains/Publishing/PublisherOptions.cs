namespace Laevitas.Grains.Publishing;

/// <summary>
/// Configuration section <c>Publisher</c>: how ticks wait when the broker is unreachable. Level one is the
/// Kafka producer's own bounded queue (messages there never time out, they wait for the broker); when it is
/// full, ticks go to level two, append-only files on local disk, replayed in order when the broker is back.
/// Past both bounds ticks are dropped — counted, logged, and visible in metrics.
/// </summary>
public sealed class PublisherOptions
{
    public const string SectionName = "Publisher";

    /// <summary>Directory for spool segment files; one per silo (not shared). Survives restarts if on a volume.</summary>
    public string SpoolDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "laevitas", "spool");

    /// <summary>Upper bound of the spool (bytes of ticks not yet replayed). Default 1 GiB.</summary>
    public long SpoolMaxBytes { get; set; } = 1L << 30;

    /// <summary>Size at which a new spool segment file is started. Default 64 MiB.</summary>
    public long SpoolSegmentBytes { get; set; } = 64L << 20;

    /// <summary>Level one: ticks the producer may hold in memory (librdkafka <c>queue.buffering.max.messages</c>).</summary>
    public int BufferMaxMessages { get; set; } = 100_000;

    /// <summary>Level one: memory the producer may hold, KiB (librdkafka <c>queue.buffering.max.kbytes</c>). Default 128 MiB.</summary>
    public int BufferMaxKBytes { get; set; } = 128 * 1024;

    /// <summary>Ticks read from the spool and handed to the producer at a time when replaying.</summary>
    public int ReplayBatchSize { get; set; } = 1_000;

    /// <summary>
    /// Largest tick payload published (bytes). A larger one is rejected before it reaches the producer, counted
    /// (<c>laevitas.publish.rejected</c>, and as dropped) and logged: the producer would refuse it anyway
    /// (<c>message.max.bytes</c>, which this must stay below; checked at start), and a tick that can never be sent must
    /// not wait in the spool in front of every later one. Deribit tickers are about 1 KB; the feed's frames may be
    /// up to 32 MiB. Default 512 KiB.
    /// </summary>
    public int MaxTickBytes { get; set; } = 512 * 1024;

    /// <summary>How long stopping waits for the producer to deliver what it holds.</summary>
    public TimeSpan ShutdownFlushTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
