namespace Laevitas.Grains.Abstractions.Trades;

/// <summary>
/// One trade of a <c>trades.*</c> notification as the exchange sent it. A notification's <c>data</c> is an array of
/// trades, possibly of several instruments; the feed splits it into one of these per trade, keeps the trade object's
/// JSON byte for byte (<see cref="Payload"/>, like a ticker's), and reads only what routing and deduplication need.
/// </summary>
[GenerateSerializer, Immutable]
public sealed class RawTrade
{
    public RawTrade(string instrumentName, string tradeId, long? tradeSeq, long timestamp, long receivedAtMs, byte[] payload)
    {
        InstrumentName = instrumentName;
        TradeId = tradeId;
        TradeSeq = tradeSeq;
        Timestamp = timestamp;
        ReceivedAtMs = receivedAtMs;
        Payload = payload;
    }

    /// <summary>Deribit instrument name of the trade (its grain's key).</summary>
    [Id(0)] public string InstrumentName { get; }

    /// <summary><c>trade_id</c>: unique per currency (the store's key with the currency).</summary>
    [Id(1)] public string TradeId { get; }

    /// <summary><c>trade_seq</c>: the trade's sequence number within its instrument; null if the exchange left it out.</summary>
    [Id(2)] public long? TradeSeq { get; }

    /// <summary>Exchange timestamp of the trade, Unix ms.</summary>
    [Id(3)] public long Timestamp { get; }

    /// <summary>When the silo read the notification off the socket, Unix ms.</summary>
    [Id(4)] public long ReceivedAtMs { get; }

    /// <summary>UTF-8 JSON of the trade object, byte for byte as received.</summary>
    [Id(5)] public byte[] Payload { get; }
}
