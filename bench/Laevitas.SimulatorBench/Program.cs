// Measures how many ticker notifications the simulator delivers over loopback to clients that only count frames.
// dotnet run -c Release --project bench/Laevitas.SimulatorBench -- [seconds] [instruments] [rate] [clients]   (server and clients in one process)
// dotnet run -c Release --project bench/Laevitas.SimulatorBench -- engine [instruments]                         (tick generation + serialization only)
// dotnet run -c Release --project bench/Laevitas.SimulatorBench -- client ws://127.0.0.1:9000/ws/api/v2 [seconds] (client process against the CLI simulator)
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using Laevitas.DeribitSimulator;

if (args.Length > 0 && args[0] == "engine")
{
    Laevitas.SimulatorBench.EngineBench.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5_000, 2_000_000);
    return;
}

if (args.Length > 1 && args[0] == "client")
{
    await Laevitas.SimulatorBench.ClientBench.RunAsync(args[1], args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 10);
    return;
}

var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 10;
var instruments = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5_000;
var rate = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 1_000_000;
var clients = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 1;

var options = new SimulatorOptions { InstrumentCount = instruments, TicksPerSecond = 0 };
options.Limits.SubscribeBurst = 1_000; // the bench subscribes everything at once; pacing is the feed's job, not measured here
await using var server = await DeribitSimulatorServer.StartAsync(options);
var names = server.Universe.Active.Select(i => i.InstrumentName).ToArray();

var counters = new long[clients];
var bytes = new long[clients];
using var stop = new CancellationTokenSource();
var sockets = new List<ClientWebSocket>();
var readers = new List<Task>();
for (var c = 0; c < clients; c++)
{
    var socket = new ClientWebSocket();
    await socket.ConnectAsync(new Uri(server.Url), CancellationToken.None);
    sockets.Add(socket);
    // Each client takes its share of the instruments, in chunks the exchange accepts.
    var mine = names.Where((_, i) => i % clients == c).ToArray();
    for (var offset = 0; offset < mine.Length; offset += 250)
    {
        var channels = string.Join(",", mine.Skip(offset).Take(250).Select(n => $"\"ticker.{n}.100ms\""));
        var request = Encoding.UTF8.GetBytes($"{{\"jsonrpc\":\"2.0\",\"id\":{offset},\"method\":\"public/subscribe\",\"params\":{{\"channels\":[{channels}]}}}}");
        await socket.SendAsync(request, WebSocketMessageType.Text, true, CancellationToken.None);
    }

    var index = c;
    readers.Add(Task.Run(async () =>
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), stop.Token);
                if (result.MessageType == WebSocketMessageType.Close) break;
                Interlocked.Add(ref bytes[index], result.Count);
                if (result.EndOfMessage) Interlocked.Increment(ref counters[index]);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }));
}

while (server.GetStatistics().Subscriptions < names.Length) await Task.Delay(50);
server.TicksPerSecond = rate;
await Task.Delay(1_000); // warm-up
var startFrames = counters.Sum();
var startBytes = bytes.Sum();
var startSent = server.TicksSent;
var exchangeField = typeof(DeribitSimulatorServer).GetField("exchange", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
var exchange = (Laevitas.DeribitSimulator.SimulatorExchange)exchangeField.GetValue(server)!;
var startCommits = exchange.Commits;
var watch = Stopwatch.StartNew();
var cpu = Process.GetCurrentProcess().TotalProcessorTime;
await Task.Delay(TimeSpan.FromSeconds(seconds));
var elapsed = watch.Elapsed.TotalSeconds;
var cpuUsed = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
var frames = counters.Sum() - startFrames;
var received = bytes.Sum() - startBytes;
var sent = server.TicksSent - startSent;
var commits = exchange.Commits - startCommits;
var subscribed = server.GetStatistics().Subscriptions;
stop.Cancel();
foreach (var socket in sockets) socket.Abort();
await Task.WhenAll(readers);

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"frames per socket write {sent / (double)Math.Max(commits, 1):0.0}; instruments={instruments} subscribed={subscribed} target_rate={rate:0} clients={clients} seconds={elapsed:0.0}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"received {frames / elapsed:0} frames/s ({received / elapsed / 1_048_576:0.0} MiB/s, {(double)received / Math.Max(frames, 1):0} B/frame); server sent {sent / elapsed:0} ticks/s; process CPU {cpuUsed / elapsed:0.00} cores = {frames / Math.Max(cpuUsed, 1e-9):0} ticks per CPU-second (server and client together)"));
