using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Laevitas.Tests.Simulator;

/// <summary>
/// A bare JSON-RPC client over <see cref="ClientWebSocket"/> for testing the simulator without the feed:
/// requests are matched to responses by id; everything else (notifications, heartbeats) is queued as raw text.
/// </summary>
internal sealed class RawDeribitClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly Channel<string> _messages = Channel.CreateUnbounded<string>();
    private readonly Dictionary<long, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _receive = Task.CompletedTask;
    private long _nextId;

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;
    public string? CloseDescription => _socket.CloseStatusDescription;
    public WebSocketState State => _socket.State;

    /// <summary>Completes when the server closes or drops the connection.</summary>
    public Task Closed => _receive;

    /// <summary>Whether the connection ended with an error (reset, aborted) rather than a close handshake.</summary>
    public Exception? ReceiveError { get; private set; }

    public bool AnswerTestRequests { get; set; }

    public static async Task<RawDeribitClient> ConnectAsync(string url, CancellationToken cancellationToken = default)
    {
        var client = new RawDeribitClient();
        await client._socket.ConnectAsync(new Uri(url), cancellationToken);
        client._receive = Task.Run(client.ReceiveLoopAsync);
        return client;
    }

    public async Task<JsonElement> CallAsync(string method, object? parameters = null, TimeSpan? timeout = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var tcs = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_pending) _pending[id] = tcs;
        var request = JsonSerializer.SerializeToUtf8Bytes(new { jsonrpc = "2.0", id, method, @params = parameters ?? new { } });
        await SendRawAsync(request);
        return await tcs.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(10));
    }

    public Task SendRawAsync(byte[] bytes) => _socket.SendAsync(bytes, WebSocketMessageType.Text, true, _stop.Token);

    /// <summary>Next non-response message (notification, heartbeat), or null on timeout/close.</summary>
    public async Task<string?> NextMessageAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _messages.Reader.ReadAsync(cts.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            return null;
        }
    }

    public bool TryNextMessage(out string message) => _messages.Reader.TryRead(out message!);

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage) continue;
                var text = Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
                message.SetLength(0);
                await OnMessageAsync(text);
            }
        }
        catch (Exception ex)
        {
            ReceiveError = ex;
        }
        finally
        {
            _messages.Writer.TryComplete();
            lock (_pending)
            {
                foreach (var tcs in _pending.Values) tcs.TrySetException(new WebSocketException("connection closed"));
                _pending.Clear();
            }
        }
    }

    private async Task OnMessageAsync(string text)
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(text).RootElement;
        }
        catch (JsonException)
        {
            _messages.Writer.TryWrite(text);
            return;
        }

        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.Number)
        {
            TaskCompletionSource<JsonElement>? tcs;
            lock (_pending) _pending.Remove(idElement.GetInt64(), out tcs);
            if (tcs is not null)
            {
                tcs.TrySetResult(root);
                return;
            }
        }

        if (AnswerTestRequests && text.Contains("\"test_request\"", StringComparison.Ordinal))
        {
            var request = JsonSerializer.SerializeToUtf8Bytes(new { jsonrpc = "2.0", id = Interlocked.Increment(ref _nextId) + 1_000_000, method = "public/test", @params = new { } });
            await SendRawAsync(request);
        }

        _messages.Writer.TryWrite(text);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }

        _stop.Cancel();
        try
        {
            await _receive.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception)
        {
        }

        _socket.Dispose();
        _stop.Dispose();
    }
}
