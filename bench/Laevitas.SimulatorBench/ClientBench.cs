using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Laevitas.SimulatorBench;

/// <summary>
/// A separate-process client for a simulator started from the command line: discovers every instrument, subscribes
/// within the exchange's limits (250 channels per call, ≤ 3 calls/s after a burst of 10), then counts frames.
/// </summary>
internal static class ClientBench
{
    public static async Task RunAsync(string url, double seconds)
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(url), CancellationToken.None);
        var buffer = new byte[32 << 20];
        await SendAsync(socket, """{"jsonrpc":"2.0","id":1,"method":"public/get_instruments","params":{"currency":"any"}}""");
        var names = new List<string>();
        using (var doc = JsonDocument.Parse(await ReceiveMessageAsync(socket, buffer)))
        {
            foreach (var i in doc.RootElement.GetProperty("result").EnumerateArray()) names.Add(i.GetProperty("instrument_name").GetString()!);
        }

        for (int offset = 0, call = 0; offset < names.Count; offset += 250, call++)
        {
            if (call >= 10) await Task.Delay(350);
            var channels = string.Join(",", names.Skip(offset).Take(250).Select(n => $"\"ticker.{n}.100ms\""));
            await SendAsync(socket, $"{{\"jsonrpc\":\"2.0\",\"id\":{call + 2},\"method\":\"public/subscribe\",\"params\":{{\"channels\":[{channels}]}}}}");
        }

        long frames = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 2));
        var counting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var result = await socket.ReceiveAsync(buffer.AsMemory(), stop.Token);
                    if (result.EndOfMessage) Interlocked.Increment(ref frames);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        await Task.Delay(2_000); // subscriptions settle, rate stabilises
        var startFrames = Interlocked.Read(ref frames);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var got = Interlocked.Read(ref frames) - startFrames;
        var elapsed = watch.Elapsed.TotalSeconds;
        var cpuUsed = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        await counting;
        socket.Abort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"client: {names.Count} instruments, {got / elapsed:0} frames/s over {elapsed:0.0} s; client CPU {cpuUsed / elapsed:0.00} cores = {got / Math.Max(cpuUsed, 1e-9):0} frames per CPU-second"));
    }

    private static Task SendAsync(ClientWebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    private static async Task<byte[]> ReceiveMessageAsync(ClientWebSocket socket, byte[] buffer)
    {
        var count = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            if (count == buffer.Length) throw new InvalidOperationException("Message larger than the receive buffer.");
            result = await socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
            count += result.Count;
        }
        while (!result.EndOfMessage);
        return buffer[..count];
    }
}
