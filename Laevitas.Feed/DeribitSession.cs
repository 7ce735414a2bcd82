using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Grains.Abstractions.Trades;

namespace Laevitas.Feed;

/// <summary>
/// One WebSocket session with the exchange: JSON-RPC calls matched to answers by id, a single receive loop that
/// reassembles messages split over several WebSocket frames into a pooled buffer, parses each message once,
/// hands ticks to the sink, answers <c>test_request</c> heartbeats, and a watchdog that declares the link dead
/// when nothing arrives for heartbeat interval + margin. The session never reconnects; its owner does.
/// </summary>
internal sealed class DeribitSession : IAsyncDisposable
{
    private const int InitialBufferSize = 64 * 1024;
    private const int ShrinkAboveSize = 1024 * 1024;

    private readonly FeedContext context;
    private readonly string name;
    private readonly ClientWebSocket socket;
    private readonly bool deliverTicks;
    private readonly SemaphoreSlim sendLock = new(1, 1);
    private readonly ConcurrentDictionary<long, PendingCall> pending = new();
    private readonly CancellationTokenSource stop = new();
    private readonly TickDecoder decoder;
    private readonly List<RawTrade> trades = [];
    private readonly TaskCompletionSource ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long nextId;
    private long lastMessageTimestamp;

    // How far the tick just read was behind the exchange (its timestamp to our clock), ms; -1 once the loop has
    // offered the sink to hold it back after that tick. Only the receive loop touches it.
    private long lastTickLagMs = -1;
    private int endReason;
    private string endDetail = "";
    private Task receiveLoop = Task.CompletedTask;
    private Task watchdog = Task.CompletedTask;

    private DeribitSession(FeedContext context, string name, ClientWebSocket socket, ChannelDirectory? channels)
    {
        this.context = context;
        this.name = name;
        this.socket = socket;
        deliverTicks = channels is not null;
        decoder = new TickDecoder(channels ?? new ChannelDirectory());
    }

    /// <summary>Completes when the session has ended for any reason.</summary>
    public Task Completion => ended.Task;

    public SessionEnd EndReason => (SessionEnd)Volatile.Read(ref endReason);

    public string EndDetail => Volatile.Read(ref endDetail);

    /// <summary>
    /// Opens the WebSocket and starts reading; ticks on <paramref name="channels"/> go to the sink (none for a
    /// discovery session). Throws <see cref="DeribitConnectException"/> on failure.
    /// </summary>
    public static async Task<DeribitSession> ConnectAsync(FeedContext context, string name, ChannelDirectory? channels, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        // The 429 of a 33rd connection only shows up in the upgrade response's status code.
        socket.Options.CollectHttpResponseDetails = true;
        // Liveness is the heartbeat's job; protocol pings would only mask a silent exchange.
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(context.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(context.Endpoint, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw Classify(ex, status, context.ConnectTimeout);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var session = new DeribitSession(context, name, socket, channels);
        session.Start();
        return session;
    }

    private void Start()
    {
        Volatile.Write(ref lastMessageTimestamp, context.Time.GetTimestamp());
        receiveLoop = Task.Run(ReceiveLoopAsync);
        watchdog = Task.Run(WatchdogAsync);
    }

    /// <summary>Sends a JSON-RPC request and waits for its answer (errors come back as <see cref="RpcResponse"/>).</summary>
    public async Task<RpcResponse> CallAsync(string method, Action<Utf8JsonWriter>? writeParams, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref nextId);
        var answer = new PendingCall(method);
        pending[id] = answer;
        try
        {
            ThrowIfEnded();
            var request = BuildRequest(id, method, writeParams);
            await SendAsync(request, cancellationToken).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stop.Token);
            timeout.CancelAfter(context.RequestTimeout);
            try
            {
                return await answer.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                if (EndReason == SessionEnd.None)
                {
                    Terminate(SessionEnd.RequestTimeout, $"no answer to {method} within {context.RequestTimeout.TotalSeconds:0.#} s");
                }

                ThrowIfEnded();
                throw;
            }
        }
        finally
        {
            pending.TryRemove(id, out _);
        }
    }

    /// <summary>Closes politely when possible (shutdown, end of discovery), aborts otherwise.</summary>
    public async Task CloseAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            // The close frame is a send like any other: it must not interleave with a request being written.
            await sendLock.WaitAsync(timeout.Token).ConfigureAwait(false);
            try
            {
                if (socket.State == WebSocketState.Open)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token).ConfigureAwait(false);
                }
            }
            finally
            {
                sendLock.Release();
            }

            // The receive loop ends when the exchange answers the close.
            await ended.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or TimeoutException)
        {
            // Best effort: the socket is aborted below either way.
        }

        Terminate(SessionEnd.Stopping, "closed");
    }

    public async ValueTask DisposeAsync()
    {
        Terminate(SessionEnd.Stopping, "disposed");
        try
        {
            await Task.WhenAll(receiveLoop, watchdog).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Loops end by cancellation when the session is torn down.
        }

        socket.Dispose();
        stop.Dispose();
        sendLock.Dispose();
    }

    /// <summary>Ends the session once: first reason wins, pending calls fail, the socket is aborted.</summary>
    public void Terminate(SessionEnd reason, string detail, bool abortSocket = true)
    {
        if (Interlocked.CompareExchange(ref endReason, (int)reason, (int)SessionEnd.None) != (int)SessionEnd.None)
        {
            return;
        }

        Volatile.Write(ref endDetail, detail);
        try
        {
            stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already torn down.
        }

        if (abortSocket)
        {
            socket.Abort();
        }

        foreach (var pending in pending.Values)
        {
            pending.TrySetException(new SessionEndedException(reason, detail));
        }

        ended.TrySetResult();
    }

    private void ThrowIfEnded()
    {
        var reason = EndReason;
        if (reason != SessionEnd.None)
        {
            throw new SessionEndedException(reason, EndDetail);
        }
    }

    private static byte[] BuildRequest(long id, string method, Action<Utf8JsonWriter>? writeParams)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc"u8, "2.0"u8);
            writer.WriteNumber("id"u8, id);
            writer.WriteString("method"u8, method);
            writer.WritePropertyName("params"u8);
            writer.WriteStartObject();
            writeParams?.Invoke(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private async Task SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stop.Token);
        try
        {
            // ClientWebSocket allows one send at a time; heartbeats answers and subscribe calls share it.
            await sendLock.WaitAsync(linked.Token).ConfigureAwait(false);
            try
            {
                await socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, linked.Token).ConfigureAwait(false);
            }
            finally
            {
                sendLock.Release();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Terminate(SessionEnd.ConnectionError, $"send failed: {ex.Message}");
            ThrowIfEnded();
            throw;
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var maxFrame = context.Options.MaxFrameBytes;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialBufferSize, maxFrame));
        var count = 0;
        var oversized = false;
        try
        {
            while (true)
            {
                var limit = Math.Min(buffer.Length, maxFrame);
                if (count == limit)
                {
                    if (limit >= maxFrame)
                    {
                        // Over the cap: keep draining the message without storing it, then count it once.
                        oversized = true;
                        count = 0;
                    }
                    else
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(maxFrame, buffer.Length * 2));
                        buffer.AsSpan(0, count).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                        limit = Math.Min(buffer.Length, maxFrame);
                    }
                }

                var result = await socket.ReceiveAsync(buffer.AsMemory(count, limit - count), stop.Token).ConfigureAwait(false);
                Volatile.Write(ref lastMessageTimestamp, context.Time.GetTimestamp());
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Terminate(SessionEnd.ClosedByServer, $"close {(int?)socket.CloseStatus} {socket.CloseStatusDescription}".TrimEnd());
                    return;
                }

                count += result.Count;
                if (!result.EndOfMessage)
                {
                    continue;
                }

                var receivedAtMs = context.Time.GetUtcNow().ToUnixTimeMilliseconds();
                if (oversized)
                {
                    ReportUnusable(FrameProblem.Oversized, []);
                }
                else if (result.MessageType == WebSocketMessageType.Binary)
                {
                    ReportUnusable(FrameProblem.Binary, []);
                }
                else if (Process(buffer.AsSpan(0, count), receivedAtMs))
                {
                    await AnswerTestRequestAsync().ConfigureAwait(false);
                }
                else if (lastTickLagMs >= 0)
                {
                    // A full backlog holds this connection back (the exchange keeps the next ticks) for a while.
                    await context.Sink.WaitForRoomAsync(TimeSpan.FromMilliseconds(lastTickLagMs), stop.Token).ConfigureAwait(false);
                    lastTickLagMs = -1;
                }

                count = 0;
                oversized = false;
                if (buffer.Length > ShrinkAboveSize)
                {
                    // One huge discovery answer must not pin megabytes for the connection's lifetime.
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialBufferSize, maxFrame));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Terminated by us (reason already recorded).
            Terminate(SessionEnd.Stopping, "cancelled");
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException)
        {
            Terminate(SessionEnd.ConnectionError, ex.Message);
        }
        catch (SessionEndedException)
        {
            // Sending the heartbeat answer found the session ended.
        }
        catch (Exception ex)
        {
            // Nothing may kill the loop silently: end the session so the owner reconnects.
            Terminate(SessionEnd.ConnectionError, $"receive loop failed: {ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Handles one complete message; returns true when a test_request must be answered.</summary>
    private bool Process(ReadOnlySpan<byte> message, long receivedAtMs)
    {
        var frame = decoder.Decode(message, receivedAtMs, out var tick);
        switch (frame.Kind)
        {
            case FrameKind.Tick:
                if (deliverTicks)
                {
                    Deliver(tick!);
                }

                return false;
            case FrameKind.Trades:
                if (deliverTicks)
                {
                    DeliverTrades(message, ref frame, receivedAtMs);
                }

                return false;
            case FrameKind.InstrumentState:
                if (deliverTicks)
                {
                    DeliverListingEvent(message, ref frame);
                }

                return false;
            case FrameKind.IndexValue:
                if (deliverTicks)
                {
                    DeliverIndexValue(message, ref frame, receivedAtMs);
                }

                return false;
            case FrameKind.TestRequest:
                return true;
            case FrameKind.Heartbeat:
                return false;
            case FrameKind.Response:
                CompleteCall(message, ref frame);
                return false;
            default:
                ReportUnusable(frame.Problem, message);
                return false;
        }
    }

    private void Deliver(RawTick tick)
    {
        context.Status.TickReceived(tick.ReceivedAtMs);
        lastTickLagMs = Math.Max(0, tick.ReceivedAtMs - tick.Timestamp);
        try
        {
            context.Sink.OnTick(tick);
        }
        catch (Exception ex)
        {
            context.Status.SinkError();
            if (context.SinkLog.ShouldLog(out var suppressed))
            {
                FeedLog.SinkFailed(context.Logger, ex, tick.InstrumentName, suppressed, context.Status.SinkErrors);
            }
        }
    }

    /// <summary>Splits a trades notification and hands each usable trade to the sink; unusable ones are reported.</summary>
    private void DeliverTrades(ReadOnlySpan<byte> message, ref ParsedFrame frame, long receivedAtMs)
    {
        trades.Clear();
        var unusable = TradeSplitter.Split(message.Slice(frame.DataStart, frame.DataLength), receivedAtMs, trades, out var problem);
        if (unusable > 0)
        {
            // Counted once per unusable trade, like a malformed ticker frame; the log line shows the notification.
            for (var i = 1; i < unusable; i++)
            {
                context.Status.ParseError();
            }

            ReportUnusable(problem, message);
        }

        context.Status.TradesRead(trades.Count);
        foreach (var trade in trades)
        {
            try
            {
                context.Sink.OnTrade(trade);
            }
            catch (Exception ex)
            {
                context.Status.SinkError();
                if (context.SinkLog.ShouldLog(out var suppressed))
                {
                    FeedLog.SinkFailed(context.Logger, ex, trade.InstrumentName, suppressed, context.Status.SinkErrors);
                }
            }
        }

        trades.Clear();
    }

    /// <summary>Reads an index channel's notification and hands its value to the sink; an unusable one is counted like any bad frame.</summary>
    private void DeliverIndexValue(ReadOnlySpan<byte> message, ref ParsedFrame frame, long receivedAtMs)
    {
        var channel = frame.EscapedChannel ?? Encoding.UTF8.GetString(message.Slice(frame.ChannelStart, frame.ChannelLength));
        if (!IndexValueParser.TryParse(message.Slice(frame.DataStart, frame.DataLength), channel, receivedAtMs, out var value, out var problem))
        {
            ReportUnusable(problem, message);
            return;
        }

        context.Status.IndexValueRead();
        try
        {
            context.Sink.OnIndexValue(value!);
        }
        catch (Exception ex)
        {
            context.Status.SinkError();
            if (context.SinkLog.ShouldLog(out var suppressed))
            {
                FeedLog.SinkFailed(context.Logger, ex, value!.IndexName, suppressed, context.Status.SinkErrors);
            }
        }
    }

    /// <summary>Hands an instrument.state notification to the feed, which follows or drops the instrument off the receive loop.</summary>
    private void DeliverListingEvent(ReadOnlySpan<byte> message, ref ParsedFrame frame)
    {
        var channel = frame.EscapedChannel ?? Encoding.UTF8.GetString(message.Slice(frame.ChannelStart, frame.ChannelLength));
        if (!InstrumentStateParser.TryParse(message.Slice(frame.DataStart, frame.DataLength), channel, out var notification))
        {
            ReportUnusable(FrameProblem.MissingField, message);
            return;
        }

        context.Status.ListingEventReceived(notification.State);
        context.ListingEvents.Writer.TryWrite(notification);
    }

    private void CompleteCall(ReadOnlySpan<byte> message, ref ParsedFrame frame)
    {
        var response = frame.HasError
            ? new RpcResponse(null, frame.ErrorCode, frame.ErrorMessage ?? "")
            : new RpcResponse(message.Slice(frame.ResultStart, frame.ResultLength).ToArray(), 0, null);

        PendingCall? waiter = null;
        if (frame.HasId)
        {
            pending.TryRemove(frame.Id, out waiter);
        }
        else if (pending.Count == 1)
        {
            // An id-less error ("request entity too large") can only be matched when one call is outstanding,
            // which is how the connection calls: one subscribe at a time.
            foreach (var id in pending.Keys)
            {
                pending.TryRemove(id, out waiter);
            }
        }
        else
        {
            ReportUnusable(FrameProblem.MissingField, message);
        }

        // The exchange terminates the session after 10028; do not wait for it to notice.
        if (response.IsError && response.ErrorCode == RpcResponse.TooManyRequests)
        {
            FeedLog.RateLimited(context.Logger, name, waiter?.Method ?? "a request");
            context.Status.RateLimitHit();
            context.Status.RecordError($"{name}: 10028 too_many_requests");
            Terminate(SessionEnd.RateLimited, "10028 too_many_requests");
        }

        waiter?.TrySetResult(response);
    }

    private async Task AnswerTestRequestAsync()
    {
        var id = Interlocked.Increment(ref nextId);
        await SendAsync(BuildRequest(id, "public/test", null), CancellationToken.None).ConfigureAwait(false);
        context.Status.TestRequestAnswered();
    }

    private void ReportUnusable(FrameProblem problem, ReadOnlySpan<byte> message)
    {
        context.Status.ParseError();
        if (context.UnusableLog.ShouldLog(out var suppressed))
        {
            FeedLog.UnusableMessage(context.Logger, name, problem, suppressed, context.Status.ParseErrors, Excerpt(message));
        }
    }

    private static string Excerpt(ReadOnlySpan<byte> message)
    {
        const int Max = 160;
        var text = Encoding.UTF8.GetString(message[..Math.Min(Max, message.Length)]);
        return message.Length > Max ? text + "…" : text;
    }

    private async Task WatchdogAsync()
    {
        var timeout = context.DeadLinkTimeout;
        var period = TimeSpan.FromMilliseconds(Math.Clamp(timeout.TotalMilliseconds / 4, 50, 1000));
        using var timer = new PeriodicTimer(period, context.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
            {
                var silent = context.Time.GetElapsedTime(Volatile.Read(ref lastMessageTimestamp));
                if (silent > timeout)
                {
                    FeedLog.DeadLink(context.Logger, name, silent.TotalSeconds, context.Options.HeartbeatIntervalSeconds);
                    context.Status.RecordError($"{name}: no message for {silent.TotalSeconds:0.#} s");
                    Terminate(SessionEnd.DeadLink, $"silent for {silent.TotalSeconds:0.#} s");
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Session ended.
        }
    }

    private static DeribitConnectException Classify(Exception ex, HttpStatusCode status, TimeSpan connectTimeout)
    {
        if (status != 0)
        {
            var why = status == HttpStatusCode.TooManyRequests
                ? "HTTP 429: too many connections from this IP"
                : $"HTTP {(int)status} instead of a WebSocket upgrade";
            return new DeribitConnectException(ConnectFailure.Rejected, why, ex);
        }

        if (ex is OperationCanceledException)
        {
            return new DeribitConnectException(ConnectFailure.Unreachable, $"no connection within {connectTimeout.TotalSeconds:0.#} s", ex);
        }

        // The socket error is the most precise; HttpRequestError covers what has none (e.g. TLS).
        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                var what = socket.SocketErrorCode is SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData
                    ? "DNS lookup failed"
                    : "connection failed";
                return new DeribitConnectException(ConnectFailure.Unreachable, $"{what}: {socket.SocketErrorCode}, {socket.Message}", ex);
            }
        }

        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } http:
                    return new DeribitConnectException(ConnectFailure.Unreachable, $"DNS lookup failed: {http.Message}", ex);
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } http:
                    return new DeribitConnectException(ConnectFailure.Unreachable, $"connection failed: {http.Message}", ex);
                case HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } http:
                    return new DeribitConnectException(ConnectFailure.Unreachable, $"TLS handshake failed: {http.Message}", ex);
                case AuthenticationException tls:
                    return new DeribitConnectException(ConnectFailure.Unreachable, $"TLS handshake failed: {tls.Message}", ex);
            }
        }

        return new DeribitConnectException(ConnectFailure.Other, ex.Message, ex);
    }
}
