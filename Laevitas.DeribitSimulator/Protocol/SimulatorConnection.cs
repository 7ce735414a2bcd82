using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Threading.Channels;
using Laevitas.DeribitSimulator.Faults;

namespace Laevitas.DeribitSimulator.Protocol;

/// <summary>
/// One client WebSocket. A receive loop reads requests and hands them to the <see cref="RequestHandler"/>; a single
/// sender loop drains the outbound queue (responses, heartbeats, ticks, injected faults) so the socket only ever
/// has one send in flight, as WebSocket requires.
/// </summary>
internal sealed class SimulatorConnection
{
    private static readonly byte[] TestRequest = """{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}"""u8.ToArray();
    private static readonly byte[] Heartbeat = """{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"heartbeat"}}"""u8.ToArray();

    private readonly WebSocket socket;
    private readonly Hosting.CoalescingWriteStream stream;
    private readonly SimulatorExchange exchange;
    private readonly Channel<OutboundFrame> outbox;
    private readonly CancellationTokenSource lifetime = new();
    private readonly HashSet<string> channels = new(StringComparer.Ordinal);

    // WebSocket header (at most 14 bytes) plus a control frame (at most 127) written by the receive side.
    private const int OverflowMargin = 256;
    private CancellationTokenSource? heartbeat;
    private int testRequestPending;
    private long testRequestSentAt;
    private int ending;

    public SimulatorConnection(long id, string remoteIp, WebSocket socket, Hosting.CoalescingWriteStream stream, SimulatorExchange exchange)
    {
        Id = id;
        RemoteIp = remoteIp;
        this.socket = socket;
        this.stream = stream;
        this.exchange = exchange;
        outbox = Channel.CreateBounded<OutboundFrame>(new BoundedChannelOptions(exchange.Options.OutboundQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public long Id { get; }
    public string RemoteIp { get; }
    public FrameBuilder Frames { get; } = new();
    public bool IsAuthenticated { get; set; }
    public string? ClientId { get; set; }

    /// <summary>Rate limits are per client: the API key once authenticated, the IP before.</summary>
    public string ClientKey => ClientId is null ? "ip:" + RemoteIp : "key:" + ClientId;

    public double? HeartbeatIntervalSeconds { get; private set; }
    public bool IsEnding => Volatile.Read(ref ending) != 0;
    public CancellationToken Lifetime => lifetime.Token;

    public int ChannelCount
    {
        get { lock (channels) return channels.Count; }
    }

    public string[] ChannelsSnapshot()
    {
        lock (channels) return channels.ToArray();
    }

    public bool AddChannel(string channel)
    {
        lock (channels) return channels.Add(channel);
    }

    public bool RemoveChannel(string channel)
    {
        lock (channels) return channels.Remove(channel);
    }

    public bool TryEnqueue(in OutboundFrame frame) => outbox.Writer.TryWrite(frame);

    /// <summary>Waits for room in the queue; false when the connection is gone (the caller keeps the buffer).</summary>
    public async ValueTask<bool> EnqueueAsync(OutboundFrame frame)
    {
        try
        {
            await outbox.Writer.WriteAsync(frame, lifetime.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is ChannelClosedException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Queue without waiting the caller; the buffer is returned if the connection is gone.</summary>
    public void Post(OutboundFrame frame)
    {
        if (TryEnqueue(frame)) return;
        _ = PostSlowAsync(frame);
    }

    /// <summary>Ends the session as the exchange does after a fatal error: queued frames go out, then a close frame.</summary>
    public void EndSession(WebSocketCloseStatus status, string reason)
    {
        if (Interlocked.Exchange(ref ending, 1) != 0) return;
        Post(new OutboundFrame(FrameKind.Close, null, 0, CloseStatus: status, CloseReason: reason));
    }

    /// <summary>Drops the TCP connection at once (no close handshake), like a network failure.</summary>
    public void Abort()
    {
        Interlocked.Exchange(ref ending, 1);
        socket.Abort();
        lifetime.Cancel();
    }

    public void StartHeartbeat(TimeSpan interval)
    {
        var next = CancellationTokenSource.CreateLinkedTokenSource(lifetime.Token);
        Interlocked.Exchange(ref heartbeat, next)?.Cancel();
        HeartbeatIntervalSeconds = interval.TotalSeconds;
        Volatile.Write(ref testRequestPending, 0);
        _ = HeartbeatLoopAsync(interval, next.Token);
    }

    public void StopHeartbeat()
    {
        Interlocked.Exchange(ref heartbeat, null)?.Cancel();
        HeartbeatIntervalSeconds = null;
    }

    // Earlier only: the stamp made at posting is an upper bound.
    private void TestRequestSent(long at)
    {
        var current = Volatile.Read(ref testRequestSentAt);
        if (at < current)
        {
            Interlocked.CompareExchange(ref testRequestSentAt, at, current);
        }
    }

    /// <summary>Any <c>public/test</c> answers the pending test_request.</summary>
    public void OnTestReceived() => Volatile.Write(ref testRequestPending, 0);

    public async Task RunAsync()
    {
        var sender = Task.Run(SendLoopAsync);
        try
        {
            await ReceiveLoopAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The peer went away or we aborted: nothing to answer.
        }

        // Let a pending close frame or queued responses out before tearing down, but never wait long.
        outbox.Writer.TryComplete();
        await Task.WhenAny(sender, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        lifetime.Cancel();
        heartbeat?.Cancel();
        try
        {
            await sender.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
        }

        DrainOutbox();
    }

    private async Task ReceiveLoopAsync()
    {
        var limit = exchange.Options.Limits.MaxRequestBytes;
        var buffer = new byte[limit];
        var scratch = new byte[16 * 1024];
        var token = lifetime.Token;
        while (socket.State == WebSocketState.Open && !token.IsCancellationRequested)
        {
            var count = 0;
            var tooLarge = false;
            ValueWebSocketReceiveResult result;
            do
            {
                var target = count < buffer.Length ? buffer.AsMemory(count) : scratch.AsMemory();
                result = await socket.ReceiveAsync(target, token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    // Answer the client's close handshake through the sender so it follows anything queued.
                    if (Interlocked.Exchange(ref ending, 1) == 0)
                    {
                        Post(new OutboundFrame(FrameKind.Close, null, 0, CloseStatus: WebSocketCloseStatus.NormalClosure, CloseReason: ""));
                    }

                    return;
                }

                if (count < buffer.Length) count += result.Count;
                else tooLarge = true;
                if (count == buffer.Length && !result.EndOfMessage) tooLarge = true;
            }
            while (!result.EndOfMessage);

            if (IsEnding) continue;
            await exchange.Handler.HandleAsync(this, buffer.AsMemory(0, count), tooLarge, RpcWriter.NowMicros()).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Drains the queue in batches: frames are written into the coalescing stream and committed together when the
    /// queue runs dry (or before the buffer would overflow). Ticks count as sent, and enter the ledger, only once
    /// committed.
    /// </summary>
    private async Task SendLoopAsync()
    {
        var reader = outbox.Reader;
        var faults = exchange.Faults;
        var token = lifetime.Token;
        var uncommitted = new List<OutboundFrame>(256);
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                stream.BeginBatch();
                var stop = false;
                while (!stop && reader.TryRead(out var frame))
                {
                    if (faults.IsSilent)
                    {
                        await CommitAsync(uncommitted, token, continueBatch: false).ConfigureAwait(false);
                        await faults.WaitWhileSilentAsync(token).ConfigureAwait(false);
                        stream.BeginBatch();
                    }

                    var keep = false;
                    try
                    {
                        switch (frame.Kind)
                        {
                            case FrameKind.Text:
                                await socket.SendAsync(frame.Buffer.AsMemory(0, frame.Length), WebSocketMessageType.Text, true, token).ConfigureAwait(false);
                                break;
                            case FrameKind.TestRequest:
                                await socket.SendAsync(frame.Buffer.AsMemory(0, frame.Length), WebSocketMessageType.Text, true, token).ConfigureAwait(false);
                                TestRequestSent(Stopwatch.GetTimestamp());
                                break;
                            case FrameKind.Tick:
                                // Commit before the batch outgrows the stream's buffer: an early write-out would put
                                // ticks on the wire that a connection lost before the commit never counts as sent, and
                                // a client's ledger check would see them as invented. The margin covers the WebSocket
                                // header and a pong the receive side may add meanwhile.
                                if (stream.WouldOverflow(frame.Length + OverflowMargin)) await CommitAsync(uncommitted, token).ConfigureAwait(false);
                                await socket.SendAsync(frame.Buffer.AsMemory(0, frame.Length), WebSocketMessageType.Text, true, token).ConfigureAwait(false);
                                uncommitted.Add(frame);
                                keep = true;
                                if (uncommitted.Count >= 1024) await CommitAsync(uncommitted, token).ConfigureAwait(false);
                                break;
                            case FrameKind.Close:
                                // Out of batching: the close frame goes straight out.
                                await CommitAsync(uncommitted, token, continueBatch: false).ConfigureAwait(false);
                                await CloseAsync(frame.CloseStatus, frame.CloseReason ?? "").ConfigureAwait(false);
                                stop = true;
                                break;
                            case FrameKind.PartialThenAbort:
                                await socket.SendAsync(frame.Buffer.AsMemory(0, frame.Length), WebSocketMessageType.Text, false, token).ConfigureAwait(false);
                                await CommitAsync(uncommitted, token).ConfigureAwait(false);
                                // Give the half frame time to reach the wire before the reset.
                                await Task.Delay(50, token).ConfigureAwait(false);
                                Abort();
                                stop = true;
                                break;
                            case FrameKind.Abort:
                                await CommitAsync(uncommitted, token).ConfigureAwait(false);
                                Abort();
                                stop = true;
                                break;
                        }
                    }
                    finally
                    {
                        // A tick still in hand here failed to send: it did not leave.
                        if (!keep) Release(frame, counted: frame.Kind != FrameKind.Tick);
                    }
                }

                // Idle from here: leave batching so anything the WebSocket writes on its own (a pong) goes straight out.
                await CommitAsync(uncommitted, token, continueBatch: false).ConfigureAwait(false);
                if (stop) return;
            }
        }
        finally
        {
            // Whatever was written but never committed did not leave: not sent, not in the ledger.
            foreach (var frame in uncommitted) Release(frame, counted: false);
            uncommitted.Clear();
        }
    }

    private async ValueTask CommitAsync(List<OutboundFrame> uncommitted, CancellationToken token, bool continueBatch = true)
    {
        try
        {
            await stream.CommitAsync(token).ConfigureAwait(false);
        }
        catch
        {
            // The connection went away during the write: some of the batch may be on the wire, some not. Neither sent
            // nor discarded: in doubt (the ledger keeps them apart; a client check must allow them, not require them).
            foreach (var frame in uncommitted)
            {
                exchange.OnTickInDoubt(frame);
                ArrayPool<byte>.Shared.Return(frame.Buffer!);
            }

            uncommitted.Clear();
            throw;
        }

        exchange.OnCommit();
        foreach (var frame in uncommitted)
        {
            exchange.OnTickSent(frame);
            ArrayPool<byte>.Shared.Return(frame.Buffer!);
        }

        uncommitted.Clear();
        if (continueBatch) stream.BeginBatch();
    }

    private async Task CloseAsync(WebSocketCloseStatus status, string reason)
    {
        Interlocked.Exchange(ref ending, 1);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await socket.CloseOutputAsync(status, reason, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
        }

        // The exchange ends the session: give the client a moment to answer the handshake, then cut the TCP link.
        _ = Task.Delay(TimeSpan.FromSeconds(1)).ContinueWith(_ => socket.Abort(), TaskScheduler.Default);
    }

    private async Task HeartbeatLoopAsync(TimeSpan interval, CancellationToken token)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
            {
                if (exchange.Faults.IsSilent) continue;
                if (Volatile.Read(ref testRequestPending) != 0)
                {
                    // Measured from when the test_request left (the send loop stamps it), not from the timer or the
                    // queue: a late timer tick followed at once by the next, or ticks queued ahead of the request, must
                    // not cut the client's interval short.
                    if (Stopwatch.GetTimestamp() - Volatile.Read(ref testRequestSentAt) < interval.TotalSeconds * Stopwatch.Frequency)
                    {
                        continue;
                    }

                    // The client did not answer the last test_request within an interval: the exchange hangs up.
                    exchange.OnHeartbeatTimeout(this);
                    EndSession(WebSocketCloseStatus.PolicyViolation, "heartbeat_timeout");
                    return;
                }

                // The exchange sends both kinds; only test_request needs an answer (public/test) before the next interval.
                // Until the send loop stamps it, counted as sent one interval from now: a request stuck behind a queue
                // the client does not read still times out, after two intervals.
                Volatile.Write(ref testRequestSentAt, Stopwatch.GetTimestamp() + (long)(interval.TotalSeconds * Stopwatch.Frequency));
                Volatile.Write(ref testRequestPending, 1);
                Post(FrameBuilder.FromBytes(Heartbeat));
                Post(FrameBuilder.FromBytes(TestRequest, FrameKind.TestRequest));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PostSlowAsync(OutboundFrame frame)
    {
        if (!await EnqueueAsync(frame).ConfigureAwait(false))
        {
            Release(frame, counted: false);
        }
    }

    private void DrainOutbox()
    {
        while (outbox.Reader.TryRead(out var frame)) Release(frame, counted: false);
    }

    /// <summary>Returns the buffer; a tick that never left is counted as discarded so MaxTicks stays exact.</summary>
    private void Release(in OutboundFrame frame, bool counted)
    {
        if (frame.Kind == FrameKind.Tick && !counted) exchange.OnTickDiscarded();
        if (frame.Buffer is not null) ArrayPool<byte>.Shared.Return(frame.Buffer);
    }
}
