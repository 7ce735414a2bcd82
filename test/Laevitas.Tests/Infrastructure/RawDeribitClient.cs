using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Laevitas.Tests.Infrastructure;

/// <summary>
/// A bare JSON-RPC client over <see cref="ClientWebSocket"/> for testing the simulator without the feed:
/// requests are matched to responses by id; everything else (notifications, heartbeats) is queued as raw text.
/// </summary>
internal sealed class RawDeribitClient : IAsyncDisposable
{
    private readonly ClientWebSocket socket = new();
    private readonly Channel<string> messages = Channel.CreateUnbounded<string>();
    private readonly Dictionary<long, TaskCompletionSource<JsonElement>> pending = new();
    private readonly CancellationTokenSource stop = new();
    private Task receive = Task.CompletedTask;
    private long nextId;

    public WebSocketCloseStatus? CloseStatus => socket.CloseStatus;
    public string? CloseDescription => socket.CloseStatusDescription;
    public WebSocketState State => socket.State;

    /// <summary>Completes when the server closes or drops the connection.</summary>
    public Task Closed => receive;

    /// <summary>Whether the connection ended with an error (reset, aborted) rather than a close handshake.</summary>
    public Exception? ReceiveError { get; private set; }

    public bool AnswerTestRequests { get; set; }

    public static async Task<RawDeribitClient> ConnectAsync(string url, CancellationToken cancellationToken = default)
    {
        var client = new RawDeribitClient();
        await client.socket.ConnectAsync(new Uri(url), cancellationToken);
        client.receive = Task.Run(client.ReceiveLoopAsync);
        return client;
    }

    public async Task<JsonElement> CallAsync(string method, object? parameters = null, TimeSpan? timeout = null)
    {
        var id = Interlocked.Increment(ref nextId);
        var tcs = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (pending) pending[id] = tcs;
        var request = JsonSerializer.SerializeToUtf8Bytes(new { jsonrpc = "2.0", id, method, @params = parameters ?? new { } });
        await SendRawAsync(request);
        return await tcs.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(10));
    }

    public Task SendRawAsync(byte[] bytes) => socket.SendAsync(bytes, WebSocketMessageType.Text, true, stop.Token);

    /// <summary>Next non-response message (notification, heartbeat), or null on timeout/close.</summary>
    public async Task<string?> NextMessageAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await messages.Reader.ReadAsync(cts.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            return null;
        }
    }

    public bool TryNextMessage(out string message) => messages.Reader.TryRead(out message!);

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, stop.Token);
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
            messages.Writer.TryComplete();
            lock (pending)
            {
                foreach (var tcs in pending.Values) tcs.TrySetException(new WebSocketException("connection closed"));
                pending.Clear();
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
            messages.Writer.TryWrite(text);
            return;
        }

        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.Number)
        {
            TaskCompletionSource<JsonElement>? tcs;
            lock (pending) pending.Remove(idElement.GetInt64(), out tcs);
            if (tcs is not null)
            {
                tcs.TrySetResult(root);
                return;
            }
        }

        if (AnswerTestRequests && text.Contains("\"test_request\"", StringComparison.Ordinal))
        {
            var request = JsonSerializer.SerializeToUtf8Bytes(new { jsonrpc = "2.0", id = Interlocked.Increment(ref nextId) + 1_000_000, method = "public/test", @params = new { } });
            await SendRawAsync(request);
        }

        messages.Writer.TryWrite(text);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }

        stop.Cancel();
        try
        {
            await receive.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception)
        {
        }

        socket.Dispose();
        stop.Dispose();
    }
}
