using System.Text;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Trades;
using Laevitas.Grains.Instruments;
using Laevitas.Grains.Publishing;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.TestingHost;

namespace Laevitas.Tests.Grains.Instruments;

/// <summary>
/// The instrument grain's trades: with two feeds every trade arrives twice; each is published once (deduplicated on
/// trade_seq), the newest is kept in the grain's state (PostgreSQL) and snapshot, a failed publish is not mistaken
/// for a copy on the retry.
/// </summary>
[Collection(GrainsCollection.Name)]
public sealed class InstrumentGrainTradesTests(PostgresFixture postgres, KafkaFixture kafka)
    : InstrumentGrainClusterTests(postgres, kafka, "grains_trades")
{
    private readonly RecordingTradePublisher publisher = new();

    [Fact]
    public async Task TheSameTradeFromTwoFeedsIsPublishedOnceAndTheNewestIsKept()
    {
        await using var cluster = await StartAsync(nameof(TheSameTradeFromTwoFeedsIsPublishedOnceAndTheNewestIsKept));
        var grain = cluster.Client.GetGrain<IInstrumentGrain>(Instrument);

        await grain.ReceiveTradesAsync(Batch(1, 2, 3));        // feed A
        await grain.ReceiveTradesAsync(Batch(1, 2, 3));        // feed B, the same trades
        await grain.ReceiveTradesAsync(Batch(5));              // feed A
        await grain.ReceiveTradesAsync(Batch(3, 4, 5, 6));     // feed B: one copy, one A missed, one copy, one new

        Assert.Equal([1L, 2, 3, 5, 4, 6], publisher.Published.Select(t => t.TradeSeq!.Value));
        var snapshot = await grain.GetSnapshotAsync();
        Assert.Equal(6, snapshot.TradesSeen);
        Assert.Equal(3 + 2, snapshot.TradeDuplicatesDropped);
        Assert.Equal(Payload(6), Encoding.UTF8.GetString(snapshot.LastTradePayload!));
        Assert.Equal(T0 + 6, snapshot.LastTradeTimestamp);
        Assert.Equal(5, cluster.Silos[0].ServiceProvider.GetRequiredService<InstrumentAcceptStatus>().TradeDuplicatesDropped);
        // The tick path is untouched by trades.
        Assert.Equal(0, snapshot.TicksSeen);
    }

    [Fact]
    public async Task ATradeWithoutTradeSeqIsPassedOnFromEveryFeed()
    {
        await using var cluster = await StartAsync(nameof(ATradeWithoutTradeSeqIsPassedOnFromEveryFeed));
        var grain = cluster.Client.GetGrain<IInstrumentGrain>(Instrument);
        var trade = new RawTrade(Instrument, "77", null, T0, T0 + 5, Encoding.UTF8.GetBytes("""{"trade_id":"77"}"""));

        await grain.ReceiveTradesAsync(new TradeBatch([trade]));
        await grain.ReceiveTradesAsync(new TradeBatch([trade]));

        // Nothing to tell a copy by: both published, and the store's key (currency, trade_id) keeps one.
        Assert.Equal(2, publisher.Published.Count);
    }

    [Fact]
    public async Task ATradeWhosePublishFailedIsPublishedWhenSentAgain()
    {
        // A remote dispatcher (no sender) waits for the publish, so it sees the failure and sends the trades again.
        await using var cluster = await StartAsync(nameof(ATradeWhosePublishFailedIsPublishedWhenSentAgain), deliveryWait: "00:00:05");
        var grain = cluster.Client.GetGrain<IInstrumentGrain>(Instrument);

        publisher.FailNext();
        await Assert.ThrowsAnyAsync<Exception>(() => grain.ReceiveTradesAsync(Batch(1, 2)));
        Assert.Empty(publisher.Published);

        await grain.ReceiveTradesAsync(Batch(1, 2));
        await grain.ReceiveTradesAsync(Batch(1, 2)); // the other feed's copies

        Assert.Equal([1L, 2], publisher.Published.Select(t => t.TradeSeq!.Value));
    }

    [Fact]
    public async Task TheNewestTradeSurvivesARestartOfTheClusterFromPostgreSQL()
    {
        var serviceId = "trades-" + Guid.NewGuid().ToString("N")[..8];
        await using (var first = await StartAsync(nameof(TheNewestTradeSurvivesARestartOfTheClusterFromPostgreSQL), serviceId))
        {
            await first.Client.GetGrain<IInstrumentGrain>(Instrument).ReceiveTradesAsync(Batch(8, 9));
            // Stopping deactivates the grain, which writes its state.
        }

        await using var second = await StartAsync(nameof(TheNewestTradeSurvivesARestartOfTheClusterFromPostgreSQL), serviceId);
        var snapshot = await second.Client.GetGrain<IInstrumentGrain>(Instrument).GetSnapshotAsync();

        Assert.Equal(2, snapshot.TradesSeen);
        Assert.Equal(Payload(9), Encoding.UTF8.GetString(snapshot.LastTradePayload!));
        Assert.Equal(T0 + 9, snapshot.LastTradeTimestamp);
    }

    private static string Payload(long seq) =>
        $$"""{"trade_seq":{{seq}},"trade_id":"{{1000 + seq}}","timestamp":{{T0 + seq}},"instrument_name":"{{Instrument}}","price":{{90000 + seq}},"amount":10,"direction":"buy"}""";

    private static TradeBatch Batch(params long[] seqs) =>
        new(seqs.Select(s => new RawTrade(Instrument, (1000 + s).ToString(System.Globalization.CultureInfo.InvariantCulture), s, T0 + s, T0 + s + 3,
            Encoding.UTF8.GetBytes(Payload(s)))).ToArray());

    private Task<InProcessTestCluster> StartAsync(string topicName, string? serviceId = null, string deliveryWait = "00:00:00") =>
        StartClusterAsync(
            topicName, serviceId ?? "trades-" + Guid.NewGuid().ToString("N")[..8],
            new Dictionary<string, string?> { ["Instruments:DeliveryWait"] = deliveryWait },
            services => services.Replace(ServiceDescriptor.Singleton<ITradePublisher>(publisher)));
}
