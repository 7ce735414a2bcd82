using Laevitas.DeribitSimulator.Ledger;
using Laevitas.DeribitSimulator.Protocol;
using Laevitas.DeribitSimulator.Ticks;

namespace Laevitas.DeribitSimulator.Indexes;

/// <summary>
/// Sends the index channels every <see cref="SimulatorOptions.IndexInterval"/> (Deribit's are about once a second), in
/// the shapes docs.deribit.com documents: <c>deribit_price_index.{index}</c> → <c>{"index_name","price","timestamp"}</c>,
/// <c>deribit_volatility_index.{index}</c> → <c>{"volatility","timestamp","index_name"}</c> (btc_usd and eth_usd only,
/// as on Deribit), <c>estimated_expiration_price.{index}</c> → <c>{"is_estimated","price","seconds"}</c> (no timestamp).
/// </summary>
/// <remarks>
/// Values come from the tick engine's <see cref="IndexWalk"/>s, read as they stand (one double, written by the engine
/// thread only), so the index price matches the <c>index_price</c> the tickers carry at that moment. DVOL is a
/// deterministic function of the walk (annualised-volatility-like level rising with the walk's distance from its start);
/// the estimated expiration price is the index price, <c>seconds</c> counts down to the next 08:00 UTC expiry, and
/// <c>is_estimated</c> is true in the last 30 minutes (Deribit's settlement averaging window). Listings are scanned per
/// round like instrument.state: a few channels per connection, once a second. Each value is recorded in the
/// <see cref="IndexLedger"/> once, before it is sent to its subscribers (at least one).
/// </remarks>
internal sealed class IndexPublisher(SimulatorExchange exchange)
{
    public const string PriceChannel = "deribit_price_index";
    public const string VolatilityChannel = "deribit_volatility_index";
    public const string EstimatedExpirationChannel = "estimated_expiration_price";

    private static readonly TimeSpan SettlementWindow = TimeSpan.FromMinutes(30);
    private long lastTimestamp;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (exchange.Options.IndexInterval is not { } interval)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                PublishRound();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One value per subscribed channel of every index; returns how many values were sent.</summary>
    internal int PublishRound()
    {
        // Strictly increasing, so a round never repeats the previous one's timestamp (the store's key).
        var now = DateTimeOffset.UtcNow;
        var timestamp = Math.Max(now.ToUnixTimeMilliseconds(), lastTimestamp + 1);
        lastTimestamp = timestamp;
        var subscribers = new Dictionary<string, List<SimulatorConnection>>(StringComparer.Ordinal);
        foreach (var connection in exchange.OpenConnections())
        {
            foreach (var channel in connection.ChannelsSnapshot())
            {
                if (ChannelName.TryParseIndex(channel, out _, out _))
                {
                    if (!subscribers.TryGetValue(channel, out var list))
                    {
                        subscribers[channel] = list = [];
                    }

                    list.Add(connection);
                }
            }
        }

        var sent = 0;
        foreach (var (channel, connections) in subscribers)
        {
            ChannelName.TryParseIndex(channel, out var kind, out var indexName);
            if (exchange.Market.Find(indexName) is not { } walk)
            {
                continue;
            }

            var value = ValueOf(kind, walk, timestamp, now);
            // Recorded before it is sent, so whatever a client received is in the ledger when it looks.
            exchange.IndexLedger.Record(value);
            var frame = FrameBuilder.Notification(channel, w => Write(w, value));
            foreach (var connection in connections)
            {
                // Posted (copied) per connection: a frame's buffer is returned once written.
                connection.Post(FrameBuilder.FromBytes(frame.Buffer.AsSpan(0, frame.Length)));
            }

            System.Buffers.ArrayPool<byte>.Shared.Return(frame.Buffer!);
            sent++;
        }

        return sent;
    }

    private static SimulatedIndexValue ValueOf(string kind, IndexWalk walk, long timestamp, DateTimeOffset now)
    {
        var price = Math.Round(walk.Price, 2);
        return kind switch
        {
            VolatilityChannel => new SimulatedIndexValue(kind, walk.Name, timestamp, Math.Round(40 + 400 * Math.Abs(Math.Log(walk.Price / walk.StartPrice)), 2), null, null),
            EstimatedExpirationChannel => Estimated(walk.Name, timestamp, price, now),
            _ => new SimulatedIndexValue(kind, walk.Name, timestamp, price, null, null),
        };
    }

    private static SimulatedIndexValue Estimated(string indexName, long timestamp, double price, DateTimeOffset now)
    {
        var expiry = new DateTimeOffset(now.UtcDateTime.Date.AddHours(8), TimeSpan.Zero);
        if (expiry <= now)
        {
            expiry = expiry.AddDays(1);
        }

        var seconds = (long)(expiry - now).TotalSeconds;
        return new SimulatedIndexValue(EstimatedExpirationChannel, indexName, timestamp, price, seconds, seconds <= SettlementWindow.TotalSeconds);
    }

    // Field order as in docs.deribit.com's examples of each channel.
    private static void Write(System.Text.Json.Utf8JsonWriter w, SimulatedIndexValue value)
    {
        switch (value.Channel)
        {
            case VolatilityChannel:
                w.WriteNumber("volatility", value.Value);
                w.WriteNumber("timestamp", value.Timestamp);
                w.WriteString("index_name", value.IndexName);
                break;
            case EstimatedExpirationChannel:
                w.WriteBoolean("is_estimated", value.IsEstimated ?? false);
                w.WriteNumber("price", value.Value);
                w.WriteNumber("seconds", value.Seconds ?? 0);
                break;
            default:
                w.WriteString("index_name", value.IndexName);
                w.WriteNumber("price", value.Value);
                w.WriteNumber("timestamp", value.Timestamp);
                break;
        }
    }
}
