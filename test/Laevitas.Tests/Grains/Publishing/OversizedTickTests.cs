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
/// A tick that can never be published (larger than the producer accepts) is rejected and counted; it never waits in
/// the spool in front of the ticks behind it, and the spool never takes a record it could not read back.
/// </summary>
public sealed class OversizedTickTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly PrivateBrokerAndSpool broker = new("oversized");
    private readonly ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose()
    {
        services.Dispose();
        broker.Dispose();
    }

    [Fact]
    public async Task AnOversizedTickIsRejectedAndTheTicksAfterItArePublishedWithoutTheSpool()
    {
        var kafka = await broker.TopicAsync(nameof(AnOversizedTickIsRejectedAndTheTicksAfterItArePublishedWithoutTheSpool), 2);
        await using var publisher = await StartAsync(kafka);
        var before = Ticks(40, first: 0);
        var after = Ticks(40, first: 40);
        foreach (var tick in before)
        {
            publisher.Publish(tick);
        }

        // Above librdkafka's default message.max.bytes (1,000,000): the producer refuses it at Produce.
        publisher.Publish(Huge("BTC-PERPETUAL", 2_000_000));
        foreach (var tick in after)
        {
            publisher.Publish(tick);
        }

        var sent = before.Concat(after).ToList();
        await Eventually.TrueAsync(() => publisher.GetStatus().Published == sent.Count, Timeout, "every tick but the oversized one acknowledged",
            () => publisher.GetStatus().ToString());
        KafkaTickPublisherTests.AssertExactlyOnceInOrder(sent, await TopicReader.ReadAsync(kafka, sent.Count, Timeout));
        var status = publisher.GetStatus();
        Assert.Equal(1, status.Rejected);
        Assert.Equal(1, status.Dropped);
        Assert.Equal(0, status.Spooled);
        Assert.False(status.Spooling);
    }

    [Fact]
    public async Task AnOversizedTickLeftInTheSpoolIsRejectedAndReplayGoesOn()
    {
        var kafka = await broker.TopicAsync(nameof(AnOversizedTickLeftInTheSpoolIsRejectedAndReplayGoesOn), 2);
        // A spool left by an earlier run (e.g. one with a larger bound): the oversized record sits between good ones.
        var sent = Ticks(20, first: 0);
        using (var leftover = new TickSpool(broker.SpoolDirectory, 1L << 30, 64L << 20, NullLogger.Instance))
        {
            foreach (var tick in sent.Take(10))
            {
                Assert.True(leftover.TryAppend(tick));
            }

            Assert.True(leftover.TryAppend(Huge("ETH-PERPETUAL", 2_000_000)));
            foreach (var tick in sent.Skip(10))
            {
                Assert.True(leftover.TryAppend(tick));
            }
        }

        await using var publisher = await StartAsync(kafka);
        await Eventually.TrueAsync(() => publisher.GetStatus() is { Spooling: false, SpoolPending: 0 } s && s.Published == sent.Count, Timeout,
            "the spool replayed past the oversized record", () => publisher.GetStatus().ToString());
        KafkaTickPublisherTests.AssertExactlyOnceInOrder(sent, await TopicReader.ReadAsync(kafka, sent.Count, Timeout));
        Assert.Equal(1, publisher.GetStatus().Rejected);
    }

    [Fact]
    public void TheSpoolRefusesARecordItCouldNotReadBackAndKeepsTheOthers()
    {
        using var spool = new TickSpool(broker.SpoolDirectory, 1L << 30, 64L << 20, NullLogger.Instance);
        var good = Ticks(2, first: 0);
        Assert.True(spool.TryAppend(good[0]));
        // Reading treats a record over 16 MiB as corruption and drops the rest of its segment.
        Assert.Throws<ArgumentException>(() => spool.TryAppend(Huge("BTC-PERPETUAL", 17 * 1024 * 1024)));
        Assert.True(spool.TryAppend(good[1]));

        var read = new List<RawTick>();
        spool.ReadBatch(read, 10);
        Assert.Equal(good.Select(t => t.Timestamp), read.Select(t => t.Timestamp));
    }

    [Theory]
    [InlineData(null, 512 * 1024, true)]
    [InlineData(null, 1_000_000, false)]
    [InlineData("2000000", 1_500_000, true)]
    [InlineData("600000", 512 * 1024, true)]
    [InlineData("500000", 512 * 1024, false)]
    public void MaxTickBytesIsCheckedAgainstTheProducersMessageMaxBytes(string? messageMaxBytes, int maxTickBytes, bool valid)
    {
        var kafka = new KafkaOptions { BootstrapServers = "localhost:9092" };
        if (messageMaxBytes is not null)
        {
            kafka.Producer["message.max.bytes"] = messageMaxBytes;
        }

        var validator = new PublisherOptionsValidator(Options.Create(kafka));
        var result = validator.Validate(null, new PublisherOptions { MaxTickBytes = maxTickBytes });
        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("MaxTickBytes", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    private async Task<KafkaTickPublisher> StartAsync(KafkaOptions kafka)
    {
        var publisher = new KafkaTickPublisher(
            Options.Create(kafka), Options.Create(new PublisherOptions { SpoolDirectory = broker.SpoolDirectory }),
            services.GetRequiredService<IMeterFactory>(), TimeProvider.System, NullLogger<KafkaTickPublisher>.Instance);
        await publisher.StartAsync(CancellationToken.None);
        return publisher;
    }

    private static List<RawTick> Ticks(int count, int first)
    {
        string[] instruments = ["BTC-PERPETUAL", "ETH-PERPETUAL", "BTC-29DEC28-100000-C"];
        return Enumerable.Range(first, count).Select(i => TestTicks.Create(instruments[i % instruments.Length], 1_700_000_000_000 + i, i)).ToList();
    }

    private static RawTick Huge(string instrument, int bytes)
    {
        var payload = new byte[bytes];
        Array.Fill(payload, (byte)' ');
        "{}"u8.CopyTo(payload);
        return new RawTick(instrument, 1_700_000_000_500, 1_700_000_000_503, payload);
    }
}
