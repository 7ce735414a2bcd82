namespace Laevitas.Silo.Dispatch;

/// <summary>Configuration section <c>Dispatch</c>: how the feed's ticks are handed to instrument grains.</summary>
public sealed class DispatchOptions
{
    public const string SectionName = "Dispatch";

    /// <summary>
    /// How long ticks of an idle instrument are gathered before the call goes out. Ticks that arrive while an
    /// instrument's call is in flight are sent as the next batch as soon as it returns, without extra wait.
    /// </summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Grain calls in flight at once. Calls to active grains take microseconds, so a few dozen carry any tick rate
    /// (batches grow when calls slow down); the bound matters at a cold start, when every call activates a grain
    /// that reads its state from PostgreSQL — keep it below the connection pool's size (Npgsql: 100).
    /// </summary>
    public int MaxConcurrentCalls { get; set; } = 64;

    /// <summary>
    /// Grain calls started per second, at most; zero lifts the bound. A call costs the silo about the same CPU
    /// whatever it carries, and one instrument ticks a few times a second, so without a bound a high rate means a
    /// call per tick. With it, ticks that arrive faster gather per instrument and calls carry more of them: below
    /// this rate every tick goes out within <see cref="BatchWindow"/>, above it the wait grows instead of the CPU.
    /// 12,000 keeps 10,000 ticks/s over 5,000 instruments below it; at 50,000 ticks/s on two cores it made little
    /// difference (the figures: bench/results.md, "Dispatch").
    /// </summary>
    public int MaxCallsPerSecond { get; set; } = 12_000;

    /// <summary>Most ticks in one call.</summary>
    public int MaxBatchSize { get; set; } = 1_000;

    /// <summary>
    /// Ticks waiting for grains, over all instruments, past which new ticks are dropped (counted, logged): two seconds
    /// at 50,000 ticks/s, enough to ride out a cold start's grain activations. It bounds the silo's memory when the
    /// exchange sends more than the pipeline takes: at 500,000 (~1 KB a tick) an overloaded silo grew to twice the
    /// memory it peaked at with 100,000 and landed fewer rows, its time going to collecting that backlog
    /// (bench/results.md, "Dispatch").
    /// </summary>
    public int MaxPendingTicks { get; set; } = 100_000;

    /// <summary>
    /// When <see cref="MaxPendingTicks"/> ticks are waiting, the feed stops reading its connections until there is
    /// room again, so the exchange holds the next ticks in its socket buffers instead of the dispatcher dropping
    /// them — but only while the ticks it reads are at most this far behind the exchange (exchange timestamp to the
    /// silo's clock). A burst the pipeline can work off is then captured whole; under longer overload the feed
    /// reads on and the dispatcher drops what does not fit, so the capture stays current (and an exchange that
    /// closes slow readers is not given a reason to). Zero: never hold the feed back. Under overload on two cores
    /// it also keeps CPU for the pipeline: reading and parsing ticks only to drop them took it from the grains.
    /// </summary>
    public TimeSpan MaxBackPressureLag { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Ticks published and not yet stored (Kafka lag, whole topic) past which the dispatcher hands ticks to grains no
    /// faster than the writers store them, as long as they work (stored anything, or were less than half this behind,
    /// in the last eight seconds; <see cref="WriterPace"/>): under overload the excess is held back at the exchange,
    /// then dropped with a count, instead of taking the writers' CPU. 1,000,000 is twenty seconds at 50,000 ticks/s: a
    /// real broker keeps a burst that long for the writers to work off, and a load the silo keeps up with stays far
    /// below it (up to ~200,000 in flight at 60,000/s on two cores). The embedded broker deletes unread records far
    /// sooner, so with it the default is 200,000 (see
    /// <c>EmbeddedKafkaHostingExtensions.EmbeddedPaceBacklog</c>). 0: never pace.
    /// </summary>
    public long PaceBacklog { get; set; } = 1_000_000;

    /// <summary>
    /// A grain call that has not answered after this long gives its call slot to other instruments (the call itself
    /// goes on, and its instrument still has no second call in flight, so its order holds). A frozen silo — stopped,
    /// swapping, paused by the hypervisor — answers nothing until membership declares it dead, up to a minute or
    /// more, and Orleans' response timeout is 30 s: without this, the calls to its third of the instruments held
    /// every slot and the rest of the market stopped with them (chaos case zombie-feed-silo). Above
    /// <c>Instruments:DeliveryWait</c> (2 s), for which a healthy grain may hold a call from another silo.
    /// </summary>
    public TimeSpan SlowCallAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Wait before a failed call is retried with the same ticks.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Concurrent grain calls when a listing (thousands of instruments) is handed out, besides the tick calls.</summary>
    public int ListingConcurrency { get; set; } = 16;

    /// <summary>How long stopping waits for pending ticks to reach their grains.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
