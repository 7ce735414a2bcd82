namespace Laevitas.Grains.Abstractions.Ticks;

/// <summary>
/// One ticker notification as the exchange sent it. The feed parses the frame once to find the
/// instrument and timestamp; the <see cref="Payload"/> (the notification's <c>params.data</c> object)
/// travels on unchanged to Kafka and is only fully parsed by the writer that enriches it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed class RawTick
{
    public RawTick(string instrumentName, long timestamp, long receivedAtMs, byte[] payload)
    {
        InstrumentName = instrumentName;
        Timestamp = timestamp;
        ReceivedAtMs = receivedAtMs;
        Payload = payload;
    }

    /// <summary>Deribit instrument name, e.g. <c>BTC-27DEC24-100000-C</c>.</summary>
    [Id(0)] public string InstrumentName { get; }

    /// <summary>Exchange timestamp of the tick, Unix milliseconds (the <c>timestamp</c> field).</summary>
    [Id(1)] public long Timestamp { get; }

    /// <summary>When the silo read the frame off the socket, Unix milliseconds.</summary>
    [Id(2)] public long ReceivedAtMs { get; }

    /// <summary>UTF-8 JSON of the ticker's <c>data</c> object, byte for byte as received.</summary>
    [Id(3)] public byte[] Payload { get; }
}
