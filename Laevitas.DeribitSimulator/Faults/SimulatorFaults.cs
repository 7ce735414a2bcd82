using System.Text.Json;
using Laevitas.DeribitSimulator.Protocol;
using Laevitas.DeribitSimulator.Ticks;

namespace Laevitas.DeribitSimulator.Faults;

/// <summary>
/// Misbehaviour on demand. Methods that send something target one connection (by id) or, when none is given,
/// every open connection, and return how many connections they reached.
/// </summary>
public sealed class SimulatorFaults
{
    private readonly SimulatorExchange exchange;
    private long silentUntil;
    private long refuseUntil;
    private int refuseStatus = 503;
    private int rejectNext;

    internal SimulatorFaults(SimulatorExchange exchange) => this.exchange = exchange;

    /// <summary>True while the exchange is silent: no ticks, no heartbeats, no responses go out.</summary>
    public bool IsSilent => Environment.TickCount64 < Volatile.Read(ref silentUntil);

    /// <summary>True while new connections are refused.</summary>
    public bool IsRefusingConnections => Environment.TickCount64 < Volatile.Read(ref refuseUntil);

    /// <summary>
    /// The link stays open but nothing comes out of it for <paramref name="duration"/>: no ticks, no heartbeats,
    /// no responses (requests are still read; their answers wait). What a half-dead TCP path looks like.
    /// </summary>
    public void GoSilent(TimeSpan duration) => Volatile.Write(ref silentUntil, Environment.TickCount64 + (long)duration.TotalMilliseconds);

    /// <summary>Ends a silence early.</summary>
    public void EndSilence() => Volatile.Write(ref silentUntil, 0);

    /// <summary>Answer WebSocket upgrades with <paramref name="statusCode"/> (429 or 503 typically) for a while.</summary>
    public void RefuseConnections(TimeSpan duration, int statusCode = 503)
    {
        Volatile.Write(ref refuseStatus, statusCode);
        Volatile.Write(ref refuseUntil, Environment.TickCount64 + (long)duration.TotalMilliseconds);
    }

    /// <summary>Accept connections again.</summary>
    public void AcceptConnections() => Volatile.Write(ref refuseUntil, 0);

    /// <summary>
    /// The next <paramref name="count"/> requests (any connection) are answered with 10028 too_many_requests and the
    /// session that sent each one is ended, as the exchange does when a client runs out of credits.
    /// </summary>
    public void RejectNextRequests(int count = 1) => Interlocked.Exchange(ref rejectNext, count);

    /// <summary>Drops every connection without a close handshake. Returns how many were dropped.</summary>
    public int DropAllConnections()
    {
        var connections = exchange.OpenConnections();
        foreach (var connection in connections) connection.Abort();
        return connections.Count;
    }

    /// <summary>Drops one connection without a close handshake.</summary>
    public bool DropConnection(long connectionId)
    {
        var connection = exchange.OpenConnections().FirstOrDefault(c => c.Id == connectionId);
        connection?.Abort();
        return connection is not null;
    }

    /// <summary>Sends a message that is not JSON at all.</summary>
    public int SendMalformedJson(long? connectionId = null) =>
        Broadcast(connectionId, _ => FrameBuilder.FromBytes("""{"jsonrpc":"2.0","method":"subscription","params":{"channel":ticker.BTC-PERPETUAL.100ms,data:{timestamp:}}"""u8));

    /// <summary>Sends the first half of a real ticker notification as a complete WebSocket message.</summary>
    public int SendTruncatedJson(long? connectionId = null) =>
        Broadcast(connectionId, c =>
        {
            var full = TickerFor(c, corrupt: false);
            return FrameBuilder.FromBytes(full.AsSpan(0, full.Length / 2));
        });

    /// <summary>
    /// Sends half a notification as an unfinished WebSocket message (a fragment without FIN), then drops the TCP
    /// connection: the client sees a message that never completes, then a reset.
    /// </summary>
    public int SendTruncatedFrame(long? connectionId = null) =>
        Broadcast(connectionId, c =>
        {
            var full = TickerFor(c, corrupt: false);
            var frame = FrameBuilder.FromBytes(full.AsSpan(0, full.Length / 2));
            return frame with { Kind = FrameKind.PartialThenAbort };
        });

    /// <summary>
    /// Sends <paramref name="message"/> as one text message, exactly as given (not validated, not recorded in the
    /// ledger): for corpora of hostile or malformed input that the other faults do not cover.
    /// </summary>
    public int SendRaw(ReadOnlySpan<byte> message, long? connectionId = null)
    {
        var copy = message.ToArray();
        return Broadcast(connectionId, _ => FrameBuilder.FromBytes(copy));
    }

    /// <summary>
    /// Sends <paramref name="message"/> as it is to the connections subscribed to <paramref name="channel"/> only
    /// (for crafted notifications on a real channel: duplicate ticks, hostile values). Returns how many it reached.
    /// </summary>
    public int SendRawToSubscribers(string channel, ReadOnlySpan<byte> message)
    {
        var copy = message.ToArray();
        var count = 0;
        foreach (var connection in exchange.OpenConnections())
        {
            if (!connection.ChannelsSnapshot().Contains(channel)) continue;
            connection.Post(FrameBuilder.FromBytes(copy));
            count++;
        }

        exchange.OnFaultInjected(count);
        return count;
    }

    /// <summary>Sends a well-formed notification with a method the client does not know.</summary>
    public int SendUnknownMethod(long? connectionId = null) =>
        Broadcast(connectionId, _ => FrameBuilder.FromBytes("""{"jsonrpc":"2.0","method":"sim_unknown_notification","params":{"type":"surprise","value":1}}"""u8));

    /// <summary>
    /// Sends a ticker notification on a subscribed channel with wrong types: timestamp as a string, prices as "NaN",
    /// greeks as an array. Not recorded in the ledger.
    /// </summary>
    public int SendWrongTypes(long? connectionId = null) =>
        Broadcast(connectionId, c => FrameBuilder.FromBytes(TickerFor(c, corrupt: true)));

    /// <summary>Sends a well-formed ticker notification on a channel nobody subscribed to.</summary>
    public int SendUnknownChannel(long? connectionId = null) =>
        Broadcast(connectionId, _ => FrameBuilder.FromBytes(
            """{"jsonrpc":"2.0","method":"subscription","params":{"channel":"ticker.SIM-1JAN99-1-C.100ms","data":{"timestamp":1,"instrument_name":"SIM-1JAN99-1-C","mark_price":1,"best_bid_price":0,"best_ask_price":0,"state":"open"}}}"""u8));

    /// <summary>Sends one valid JSON notification of about <paramref name="bytes"/> bytes (a padded unknown method).</summary>
    public int SendHugeFrame(int bytes = 4 * 1024 * 1024, long? connectionId = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 128);
        var head = "{\"jsonrpc\":\"2.0\",\"method\":\"sim_huge\",\"params\":{\"padding\":\""u8;
        var tail = "\"}}"u8;
        var payload = new byte[bytes];
        head.CopyTo(payload);
        payload.AsSpan(head.Length, bytes - head.Length - tail.Length).Fill((byte)'x');
        tail.CopyTo(payload.AsSpan(bytes - tail.Length));
        return Broadcast(connectionId, _ => FrameBuilder.FromBytes(payload));
    }

    /// <summary>
    /// Sends a <c>platform_state</c> notification (<c>{"price_index":…,"locked":…}</c>, as the exchange announces
    /// an index locked for maintenance) to connections subscribed to that channel.
    /// </summary>
    public int SendPlatformState(string priceIndex, bool locked)
    {
        var count = 0;
        foreach (var connection in exchange.OpenConnections())
        {
            if (!connection.ChannelsSnapshot().Contains(ChannelName.PlatformState)) continue;
            connection.Post(FrameBuilder.Notification(ChannelName.PlatformState, writer =>
            {
                writer.WriteString("price_index", priceIndex);
                writer.WriteBoolean("locked", locked);
            }));
            count++;
        }

        exchange.OnFaultInjected(count);
        return count;
    }

    internal bool TryConsumeRejection()
    {
        while (true)
        {
            var current = Volatile.Read(ref rejectNext);
            if (current <= 0) return false;
            if (Interlocked.CompareExchange(ref rejectNext, current - 1, current) == current) return true;
        }
    }

    internal bool TryGetRefusal(out int statusCode)
    {
        statusCode = Volatile.Read(ref refuseStatus);
        return IsRefusingConnections;
    }

    internal async ValueTask WaitWhileSilentAsync(CancellationToken cancellationToken)
    {
        while (IsSilent) await Task.Delay(10, cancellationToken).ConfigureAwait(false);
    }

    private int Broadcast(long? connectionId, Func<SimulatorConnection, OutboundFrame> build)
    {
        var count = 0;
        foreach (var connection in exchange.OpenConnections())
        {
            if (connectionId is { } id && connection.Id != id) continue;
            connection.Post(build(connection));
            count++;
        }

        exchange.OnFaultInjected(count);
        return count;
    }

    /// <summary>A ticker notification for one of the connection's channels (or BTC-PERPETUAL), optionally corrupted.</summary>
    private byte[] TickerFor(SimulatorConnection connection, bool corrupt)
    {
        var channel = connection.ChannelsSnapshot().FirstOrDefault(c => c.StartsWith("ticker.", StringComparison.Ordinal)) ?? "ticker.BTC-PERPETUAL.100ms";
        ChannelName.TryParseTicker(channel, out var instrumentName, out _);
        var feed = exchange.Registry.FeedOf(instrumentName);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            if (feed is not null && !corrupt)
            {
                TickerWriter.WriteNotification(writer, JsonEncodedText.Encode(channel), feed.State);
            }
            else
            {
                FrameBuilder.WriteNotification(writer, channel, data =>
                {
                    data.WriteString("timestamp", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
                    data.WriteString("instrument_name", instrumentName);
                    data.WriteString("state", "open");
                    data.WriteString("mark_price", "NaN");
                    data.WriteString("best_bid_price", "NaN");
                    data.WriteNumber("best_ask_price", 1);
                    data.WriteStartArray("greeks");
                    data.WriteEndArray();
                    data.WriteString("stats", "none");
                });
            }
        }

        return stream.ToArray();
    }
}
