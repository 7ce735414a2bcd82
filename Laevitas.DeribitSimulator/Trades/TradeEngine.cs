using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Laevitas.DeribitSimulator.Faults;
using Laevitas.DeribitSimulator.Ledger;
using Laevitas.DeribitSimulator.Protocol;
using Laevitas.DeribitSimulator.Ticks;
using Laevitas.DeribitSimulator.Universe;

namespace Laevitas.DeribitSimulator.Trades;

/// <summary>
/// Generates trades at the configured aggregate rate over the instruments the market follows (those with a ticker
/// feed, see <see cref="ChannelRegistry.Active"/>), priced off each one's live ticker, records each in the
/// <see cref="TradeLedger"/>, and sends them on every matching <c>trades.*</c> channel as the exchange does: one
/// notification per burst, its <c>data</c> an array of the burst's trades (a taker sweeping one to three levels),
/// with the real field set (trade_seq, trade_id, timestamp, tick_direction, price, mark_price, iv for options,
/// index_price, instrument_name, direction, amount, contracts; now and then liquidation or a block trade).
/// </summary>
/// <remarks>
/// One loop: <c>trade_seq</c> increases per instrument and <c>trade_id</c> across the exchange (so it is unique per
/// currency too). A full connection queue makes the engine wait, never drop, so what is generated reconciles exactly.
/// </remarks>
internal sealed class TradeEngine
{
    private readonly ChannelRegistry registry;
    private readonly TradeSubscriptions subscriptions;
    private readonly TradeLedger ledger;
    private readonly SimulatorFaults faults;
    private readonly FrameBuilder frames = new();
    private readonly Random random;
    private readonly long? maxTrades;
    private readonly TimeProvider clock;
    private readonly Dictionary<string, long> tradeSeq = new(StringComparer.Ordinal);
    private readonly List<SimulatedTrade> burst = new(3);
    private readonly ArrayBufferWriter<byte> tradeJson = new(512);
    private double tradesPerSecond;
    private long nextTradeId = 300_000_000;
    private long lastTimestamp;

    public TradeEngine(SimulatorOptions options, ChannelRegistry registry, TradeSubscriptions subscriptions, TradeLedger ledger, SimulatorFaults faults)
    {
        this.registry = registry;
        this.subscriptions = subscriptions;
        this.ledger = ledger;
        this.faults = faults;
        // Its own stream of randomness: turning trades on must not change the tickers a seed produces.
        random = new Random(options.Seed ^ 0x7A4D);
        maxTrades = options.MaxTrades;
        clock = options.Clock;
        tradesPerSecond = options.TradesPerSecond;
    }

    public double TradesPerSecond
    {
        get => Volatile.Read(ref tradesPerSecond);
        set => Volatile.Write(ref tradesPerSecond, value);
    }

    private bool LimitReached => maxTrades is { } max && ledger.TotalGenerated >= max;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var pacer = new RatePacer();
        while (!cancellationToken.IsCancellationRequested)
        {
            var active = registry.Active;
            if (!await pacer.TryEarnAsync(TradesPerSecond, active.Length == 0 || faults.IsSilent || LimitReached, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            while (pacer.Credit >= 1 && !LimitReached && !cancellationToken.IsCancellationRequested)
            {
                var feed = active[random.Next(active.Length)];
                var size = Math.Min((int)Math.Min(pacer.Credit, 3), 1 + random.Next(3));
                if (maxTrades is { } max)
                {
                    size = (int)Math.Min(size, max - ledger.TotalGenerated);
                }

                Generate(feed.State, size);
                pacer.Spend(size);
                await SendAsync(feed.State.Instrument).ConfigureAwait(false);
            }
        }
    }

    private void Generate(TickerState ticker, int size)
    {
        burst.Clear();
        var instrument = ticker.Instrument;
        // A burst prints at one instant, like the recorded BTC-PERPETUAL pair; later bursts never go back in time.
        var timestamp = Math.Max(clock.GetUtcNow().ToUnixTimeMilliseconds(), lastTimestamp);
        lastTimestamp = timestamp;
        var buy = random.Next(2) == 0;
        var decimals = Decimals(instrument.TickSize);
        var unit = instrument.Kind == InstrumentKind.Option ? instrument.MinTradeAmount : instrument.ContractSize;
        var unitDecimals = Decimals(unit);
        var price = Math.Max(instrument.TickSize, Math.Round(ticker.MarkPrice, decimals));
        var liquidation = random.NextDouble() < 0.02 ? (random.Next(3) switch { 0 => "M", 1 => "T", _ => "MT" }) : null;
        var block = random.NextDouble() < 0.01;
        var blockId = block ? "BLOCK-" + random.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture) : null;
        for (var i = 0; i < size; i++)
        {
            var seq = tradeSeq.GetValueOrDefault(instrument.InstrumentName) + 1;
            tradeSeq[instrument.InstrumentName] = seq;
            var amount = Math.Round(unit * (1 + random.Next(50)), unitDecimals);
            var contracts = Math.Round(amount / (instrument.Kind == InstrumentKind.Option ? 1 : instrument.ContractSize), 4);
            var trade = new SimulatedTrade(
                InstrumentName: instrument.InstrumentName,
                TradeId: (nextTradeId++).ToString(CultureInfo.InvariantCulture),
                TradeSeq: seq,
                Timestamp: timestamp,
                TickDirection: random.Next(4),
                Price: price,
                MarkPrice: ticker.MarkPrice,
                Iv: instrument.Kind == InstrumentKind.Option ? ticker.MarkIv : null,
                IndexPrice: ticker.IndexPrice,
                Direction: buy ? "buy" : "sell",
                Amount: amount,
                Contracts: contracts,
                Liquidation: liquidation,
                BlockTradeId: blockId,
                BlockTradeLegCount: block ? 1 : null,
                Json: "");
            trade = trade with { Json = WriteTrade(trade) };
            ledger.Record(trade);
            burst.Add(trade);
            // A taker sweeping the book pays one tick more per level.
            price = Math.Round(buy ? price + instrument.TickSize : Math.Max(instrument.TickSize, price - instrument.TickSize), decimals);
        }
    }

    /// <summary>The trade object in the exchange's field order (as in the recorded 100ms notifications).</summary>
    private string WriteTrade(SimulatedTrade trade)
    {
        tradeJson.ResetWrittenCount();
        using (var w = new Utf8JsonWriter(tradeJson))
        {
            w.WriteStartObject();
            w.WriteNumber("timestamp"u8, trade.Timestamp);
            if (trade.Iv is { } iv) w.WriteNumber("iv"u8, iv);
            w.WriteNumber("price"u8, trade.Price);
            w.WriteNumber("amount"u8, trade.Amount);
            w.WriteString("direction"u8, trade.Direction);
            w.WriteNumber("index_price"u8, trade.IndexPrice);
            w.WriteString("instrument_name"u8, trade.InstrumentName);
            w.WriteNumber("trade_seq"u8, trade.TradeSeq);
            w.WriteNumber("mark_price"u8, trade.MarkPrice);
            w.WriteNumber("tick_direction"u8, trade.TickDirection);
            w.WriteNumber("contracts"u8, trade.Contracts);
            if (trade.Liquidation is { } liquidation) w.WriteString("liquidation"u8, liquidation);
            if (trade.BlockTradeId is { } blockId)
            {
                w.WriteString("block_trade_id"u8, blockId);
                w.WriteNumber("block_trade_leg_count"u8, trade.BlockTradeLegCount ?? 1);
            }

            w.WriteString("trade_id"u8, trade.TradeId);
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(tradeJson.WrittenSpan);
    }

    private async ValueTask SendAsync(SimInstrument instrument)
    {
        foreach (var (subscriber, filter) in subscriptions.All)
        {
            if (!filter.Matches(instrument)) continue;
            var w = frames.Begin();
            w.WriteStartObject();
            w.WriteString("jsonrpc"u8, "2.0"u8);
            w.WriteString("method"u8, "subscription"u8);
            w.WritePropertyName("params"u8);
            w.WriteStartObject();
            w.WriteString("channel"u8, subscriber.ChannelJson);
            w.WritePropertyName("data"u8);
            w.WriteStartArray();
            foreach (var trade in burst) w.WriteRawValue(trade.Json, skipInputValidation: true);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
            var frame = frames.Finish();
            if (!subscriber.Connection.TryEnqueue(frame) && !await subscriber.Connection.EnqueueAsync(frame).ConfigureAwait(false))
            {
                ArrayPool<byte>.Shared.Return(frame.Buffer!);
            }
        }
    }

    private static int Decimals(double step)
    {
        var decimals = 0;
        while (decimals < 10 && Math.Abs(step * Math.Pow(10, decimals) - Math.Round(step * Math.Pow(10, decimals))) > 1e-9) decimals++;
        return decimals;
    }
}
