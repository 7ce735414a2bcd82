using System.Diagnostics.Metrics;
using Laevitas.Testing;
using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Streaming.Kafka;
using Laevitas.Grains.Publishing;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Laevitas.Tests.Grains.Publishing;

/// <summary>
/// Invariant 12, what a killed process leaves behind: a copy of the spool directory taken at any moment stands for
/// the disk after a SIGKILL (the page cache survives a killed process; a user-space buffer does not).
/// </summary>
public sealed class DurableSpoolTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly PrivateBrokerAndSpool broker = new("durable");
    private readonly ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly List<string> copies = [];

    public void Dispose()
    {
        services.Dispose();
        broker.Dispose();
        foreach (var copy in copies.Where(Directory.Exists))
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public async Task PublishAsyncWhileTheBrokerIsAwayCompletesOnlyOnceTheTicksAreInTheSpoolFiles()
    {
        var kafka = await broker.TopicAsync(nameof(PublishAsyncWhileTheBrokerIsAwayCompletesOnlyOnceTheTicksAreInTheSpoolFiles), 2);
        await using var publisher = await StartAsync(kafka);
        broker.Kafka.SetAllBrokersDown();

        // The first call waits for the broker (it does not yet know it is away) and must not complete: nothing is safe.
        var first = publisher.PublishAsync(Ticks(20, first: 0));
        var probes = 0;
        await Eventually.TrueAsync(
            async () => publisher.PublishAsync(Ticks(1, first: 20 + probes++)) is var call && await Task.WhenAny(call, Task.Delay(TimeSpan.FromSeconds(2))) == call,
            Timeout, "the publisher to notice the broker is away");
        Assert.False(first.IsCompleted, "completed without an acknowledgement");

        // Once it knows, a call completes once its ticks are in the spool files (fsynced), not in memory.
        var later = Ticks(200, first: 100);
        await publisher.PublishAsync(later).WaitAsync(Timeout);
        var onDisk = ReadCopy();
        Assert.Superset(later.Select(t => t.Timestamp).ToHashSet(), onDisk.Select(t => t.Timestamp).ToHashSet());

        broker.Kafka.SetAllBrokersUp();
        await first.WaitAsync(Timeout);
        await Eventually.TrueAsync(() => publisher.GetStatus() is { Spooling: false } s && s.Published == 20 + probes + 200, Timeout, "everything published",
            () => publisher.GetStatus().ToString());
    }

    [Fact]
    public async Task ASpoolSegmentStaysOnDiskUntilTheBrokerHasAcknowledgedEveryRecordReadFromIt()
    {
        var kafka = await broker.TopicAsync(nameof(ASpoolSegmentStaysOnDiskUntilTheBrokerHasAcknowledgedEveryRecordReadFromIt), 2);
        var sent = Ticks(2_000, first: 0);
        using (var leftover = new TickSpool(broker.SpoolDirectory, 1L << 30, 64 * 1024, NullLogger.Instance))
        {
            foreach (var tick in sent)
            {
                Assert.True(leftover.TryAppend(tick));
            }
        }

        var segments = Directory.GetFiles(broker.SpoolDirectory, "*.spool").Length;
        Assert.True(segments > 1, $"{segments} segments");

        // The broker is away: the replay reads every record into the producer, none is acknowledged.
        broker.Kafka.SetAllBrokersDown();
        await using var publisher = await StartAsync(kafka);
        await Eventually.TrueAsync(() => publisher.GetStatus() is { SpoolPending: 0, Buffered: 2_000 }, Timeout, "the spool read into the producer",
            () => publisher.GetStatus().ToString());
        Assert.Equal(segments, Directory.GetFiles(broker.SpoolDirectory, "*.spool").Length);
        Assert.Equal(sent.Count, ReadCopy().Count);

        broker.Kafka.SetAllBrokersUp();
        await Eventually.TrueAsync(() => publisher.GetStatus() is { Spooling: false } s && s.Published == sent.Count, Timeout, "everything published",
            () => publisher.GetStatus().ToString());
        await Eventually.TrueAsync(() => Directory.GetFiles(broker.SpoolDirectory, "*.spool").Length == 0, Timeout, "every segment deleted once acknowledged");
        KafkaTickPublisherTests.AssertExactlyOnceInOrder(sent, await TopicReader.ReadAsync(kafka, sent.Count, Timeout));
    }

    /// <summary>Every tick a fresh spool finds in a copy of the spool directory taken now.</summary>
    private List<RawTick> ReadCopy()
    {
        var copy = Path.Combine(Path.GetTempPath(), "laevitas-tests", "durable-copy-" + Guid.NewGuid().ToString("N"));
        copies.Add(copy);
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(broker.SpoolDirectory, "*.spool"))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        using var spool = new TickSpool(copy, 1L << 30, 64L << 20, NullLogger.Instance);
        var ticks = new List<RawTick>();
        while (spool.ReadBatch(ticks, 10_000) > 0)
        {
        }

        return ticks;
    }

    private async Task<KafkaTickPublisher> StartAsync(KafkaOptions kafka)
    {
        var publisher = new KafkaTickPublisher(
            Options.Create(kafka), Options.Create(new PublisherOptions { SpoolDirectory = broker.SpoolDirectory, SpoolSegmentBytes = 64 * 1024 }),
            services.GetRequiredService<IMeterFactory>(), TimeProvider.System, NullLogger<KafkaTickPublisher>.Instance);
        await publisher.StartAsync(CancellationToken.None);
        return publisher;
    }

    private static List<RawTick> Ticks(int count, int first)
    {
        string[] instruments = ["BTC-PERPETUAL", "ETH-PERPETUAL", "BTC-29DEC28-100000-C"];
        return Enumerable.Range(first, count).Select(i => TestTicks.Create(instruments[i % instruments.Length], 1_700_000_000_000 + i, i)).ToList();
    }
}
