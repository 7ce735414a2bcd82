using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Laevitas.DeribitSimulator.Hosting;

/// <summary>
/// <c>dotnet run --project Laevitas.DeribitSimulator -- --port 9000 --instruments 5000 --rate 20000</c>:
/// runs the simulator until Ctrl+C, printing a status line every few seconds.
/// </summary>
internal static class SimulatorCommandLine
{
    public static async Task<int> RunAsync(string[] args)
    {
        var port = new Option<int>("--port") { Description = "TCP port on 127.0.0.1 (0 = pick a free one).", DefaultValueFactory = _ => 9000 };
        port.Validators.Add(r => Check<int>(r, v => v is >= 0 and <= 65535, "--port must be between 0 and 65535."));
        var instruments = new Option<int>("--instruments") { Description = "Instruments in the universe.", DefaultValueFactory = _ => 500 };
        instruments.Validators.Add(r => Check<int>(r, v => v is >= 1 and <= 100_000, "--instruments must be between 1 and 100000."));
        var rate = new Option<double>("--rate") { Description = "Aggregate ticker notifications per second across subscribed channels.", DefaultValueFactory = _ => 1_000 };
        rate.Validators.Add(r => Check<double>(r, v => v is >= 0 and <= 10_000_000, "--rate must be between 0 and 10000000."));
        var seed = new Option<int>("--seed") { Description = "Seed of the universe and price paths.", DefaultValueFactory = _ => 42 };
        var maxTicks = new Option<long?>("--max-ticks") { Description = "Stop emitting after this many ticks." };
        maxTicks.Validators.Add(r => Check<long?>(r, v => v is null or >= 0, "--max-ticks must be ≥ 0."));
        var clientId = new Option<string?>("--client-id") { Description = "API key accepted by public/auth (client_credentials)." };
        var clientSecret = new Option<string?>("--client-secret") { Description = "Secret for --client-id." };
        var host = new Option<string>("--host") { Description = "Address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        host.Validators.Add(r => Check<string>(r, v => System.Net.IPAddress.TryParse(v, out _), "--host must be an IP address."));
        var statusEvery = new Option<double>("--status-interval") { Description = "Seconds between status lines (0 = none).", DefaultValueFactory = _ => 5 };
        statusEvery.Validators.Add(r => Check<double>(r, v => v >= 0, "--status-interval must be ≥ 0."));

        var verboseOption = new Option<bool>("--verbose") { Description = "Log every connection opened and closed." };
        var churn = new Option<double?>("--churn-interval") { Description = "Seconds between automatic expiry + new listing (none by default)." };
        churn.Validators.Add(r => Check<double?>(r, v => v is null or > 0, "--churn-interval must be > 0."));
        var daily = new Option<bool>("--daily-schedule") { Description = "Expire and list dailies at 08:00 UTC, settling at the index, as the exchange does (SimulatorOptions.DailySchedule)." };
        var root = new RootCommand("Laevitas Deribit simulator: a fake Deribit exchange (JSON-RPC 2.0 over WebSocket at /ws/api/v2).")
        {
            port, instruments, rate, seed, maxTicks, clientId, clientSecret, host, statusEvery, verboseOption, churn, daily,
        };
        root.Validators.Add(r =>
        {
            if (r.GetValue(clientId) is null != r.GetValue(clientSecret) is null)
            {
                r.AddError("--client-id and --client-secret go together.");
            }
        });
        root.SetAction(async (parse, cancellationToken) =>
        {
            var options = new SimulatorOptions
            {
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                InstrumentCount = parse.GetValue(instruments),
                TicksPerSecond = parse.GetValue(rate),
                Seed = parse.GetValue(seed),
                MaxTicks = parse.GetValue(maxTicks),
                ChurnInterval = parse.GetValue(churn) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                DailySchedule = parse.GetValue(daily),
            };
            if (parse.GetValue(clientId) is { } id && parse.GetValue(clientSecret) is { } secret)
            {
                options.Credentials.Add(new SimulatorCredential(id, secret));
            }

            return await ServeAsync(options, parse.GetValue(statusEvery), parse.GetValue(verboseOption), cancellationToken).ConfigureAwait(false);
        });

        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }

    private static void Check<T>(OptionResult result, Func<T, bool> valid, string message)
    {
        T value;
        try
        {
            value = result.GetValueOrDefault<T>();
        }
        catch (InvalidOperationException)
        {
            // Not a T at all: the parser reports that conversion error itself.
            return;
        }

        if (!valid(value)) result.AddError(message);
    }

    private static async Task<int> ServeAsync(SimulatorOptions options, double statusSeconds, bool verbose, CancellationToken cancellationToken)
    {
        using var loggerFactory = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information)
            .AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss ";
            }));
        await using var server = await DeribitSimulatorServer.StartAsync(options, loggerFactory, cancellationToken).ConfigureAwait(false);
        var universe = server.Universe.Active;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{universe.Count} instruments ({universe.Count(i => i.Kind == Universe.InstrumentKind.Option)} options), {options.TicksPerSecond:0} ticks/s, seed {options.Seed}. Ctrl+C to stop."));
        var previous = server.GetStatistics();
        var stamp = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            if (statusSeconds <= 0)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }

            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(statusSeconds));
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var now = server.GetStatistics();
                var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(stamp).TotalSeconds;
                stamp = System.Diagnostics.Stopwatch.GetTimestamp();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{DateTime.UtcNow:HH:mm:ss} connections={now.OpenConnections} subscriptions={now.Subscriptions} ticks/s={(now.TicksSent - previous.TicksSent) / elapsed:0} ticks={now.TicksSent} requests={now.Requests} rate_limited={now.RateLimited} refused={now.ConnectionsRefused}"));
                previous = now;
            }
        }
        catch (OperationCanceledException)
        {
        }

        Console.WriteLine("Deribit simulator stopped.");
        return 0;
    }
}
