using System.Net;
using Laevitas.DeribitSimulator.Faults;
using Laevitas.DeribitSimulator.Hosting;
using Laevitas.DeribitSimulator.Ledger;
using Laevitas.DeribitSimulator.Universe;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Laevitas.DeribitSimulator;

/// <summary>
/// A fake Deribit exchange on a local port, speaking JSON-RPC 2.0 over WebSocket at <c>/ws/api/v2</c>.
/// <code>
/// await using var sim = await DeribitSimulatorServer.StartAsync(new SimulatorOptions { InstrumentCount = 100 });
/// // connect to sim.Url
/// </code>
/// </summary>
public sealed class DeribitSimulatorServer : IAsyncDisposable
{
    public const string WebSocketPath = "/ws/api/v2";

    private readonly WebApplication _app;
    private readonly SimulatorExchange _exchange;
    private readonly CancellationTokenSource _stopping = new();
    private Task _engine = Task.CompletedTask;
    private Task _churn = Task.CompletedTask;
    private int _disposed;

    private DeribitSimulatorServer(WebApplication app, SimulatorExchange exchange)
    {
        _app = app;
        _exchange = exchange;
    }

    /// <summary>The WebSocket endpoint, e.g. <c>ws://127.0.0.1:54321/ws/api/v2</c>.</summary>
    public string Url { get; private set; } = "";

    /// <summary>The port actually bound (useful when <see cref="SimulatorOptions.Port"/> was 0).</summary>
    public int Port { get; private set; }

    public SimulatorOptions Options => _exchange.Options;

    /// <summary>Listed and expired instruments.</summary>
    public InstrumentUniverse Universe => _exchange.Universe;

    /// <summary>What was sent, for reconciliation.</summary>
    public EmissionLedger Ledger => _exchange.Ledger;

    /// <summary>Fault injection.</summary>
    public SimulatorFaults Faults => _exchange.Faults;

    /// <summary>Raised after an instrument is listed (by <see cref="AddListing(string)"/> or the churn schedule).</summary>
    public event Action<SimInstrument>? InstrumentListed;

    /// <summary>Raised after an instrument expired (by <see cref="Expire"/> or the churn schedule).</summary>
    public event Action<SimInstrument>? InstrumentExpired;

    /// <summary>Ticker notifications written to sockets so far.</summary>
    public long TicksSent => _exchange.Ledger.TotalSent;

    /// <summary>Completes when <see cref="SimulatorOptions.MaxTicks"/> ticks have been sent (never, without a limit).</summary>
    public Task EmissionCompleted => _exchange.EmissionCompleted;

    /// <summary>Aggregate tick rate; may be changed while running.</summary>
    public double TicksPerSecond
    {
        get => _exchange.Engine.TicksPerSecond;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _exchange.Engine.TicksPerSecond = value;
        }
    }

    public IReadOnlyList<SimulatorConnectionInfo> Connections =>
        _exchange.OpenConnections()
            .OrderBy(c => c.Id)
            .Select(c => new SimulatorConnectionInfo(c.Id, c.RemoteIp, c.ChannelCount, c.IsAuthenticated, c.HeartbeatIntervalSeconds))
            .ToArray();

    public SimulatorStatistics GetStatistics() => new(
        _exchange.OpenConnections().Count,
        _exchange.ConnectionsAccepted,
        _exchange.Refused,
        _exchange.Registry.SubscriptionCount,
        _exchange.Ledger.TotalSent,
        _exchange.Requests,
        _exchange.RateLimited,
        _exchange.HeartbeatTimeouts,
        _exchange.FaultsInjected);

    public static Task<DeribitSimulatorServer> StartAsync(SimulatorOptions options, CancellationToken cancellationToken = default) =>
        StartAsync(options, null, cancellationToken);

    /// <summary>Starts the simulator; <paramref name="loggerFactory"/> receives its connection and limit events.</summary>
    public static async Task<DeribitSimulatorServer> StartAsync(SimulatorOptions options, ILoggerFactory? loggerFactory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Laevitas.DeribitSimulator");
        var exchange = new SimulatorExchange(options, logger);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Parse(options.Host), options.Port);
            kestrel.AddServerHeader = false;
        });
        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Map(WebSocketPath, new WebSocketEndpoint(exchange).InvokeAsync);

        var server = new DeribitSimulatorServer(app, exchange);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Port = new Uri(address).Port;
        server.Url = $"ws://{options.Host}:{server.Port}{WebSocketPath}";
        SimulatorLog.Listening(logger, server.Url, exchange.Universe.Active.Count);
        server._engine = Task.Run(async () =>
        {
            try
            {
                await exchange.Engine.RunAsync(server._stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                SimulatorLog.EngineFailed(logger, ex);
                throw;
            }
        }, CancellationToken.None);
        if (options.ChurnInterval is { } churn)
        {
            server._churn = Task.Run(() => server.ChurnAsync(churn, server._stopping.Token), CancellationToken.None);
        }

        return server;
    }

    /// <summary>
    /// Lists a new instrument by name (<c>BTC-26JUN26-150000-C</c>, <c>ETH-27MAR26</c>, <c>XRP_USDC-30MAY25-0d625-C</c>,
    /// <c>SOL_USDC-PERPETUAL</c>); contract terms follow the underlying's. It shows in get_instruments at once.
    /// </summary>
    public SimInstrument AddListing(string instrumentName)
    {
        var instrument = ListingFactory.FromName(instrumentName, _exchange.Universe.NextInstrumentId());
        return AddListing(instrument);
    }

    /// <summary>Lists a fully specified instrument.</summary>
    public SimInstrument AddListing(SimInstrument instrument)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        if (!_exchange.Universe.TryAdd(instrument))
        {
            throw new InvalidOperationException($"Instrument {instrument.InstrumentName} is already listed.");
        }

        SimulatorLog.Listed(_exchange.Logger, instrument.InstrumentName);
        InstrumentListed?.Invoke(instrument);
        return instrument;
    }

    /// <summary>
    /// Expires an instrument: it leaves get_instruments (expired=false), appears under expired=true, its subscribers
    /// get one final notification (state <c>closed</c>, <c>estimated_delivery_price</c> "expired", when
    /// <see cref="SimulatorOptions.SendFinalTickOnExpiry"/>) and then nothing more. False if it was not listed.
    /// </summary>
    public bool Expire(string instrumentName)
    {
        if (!_exchange.Universe.TryExpire(instrumentName, out var expired)) return false;
        var (feed, subscribers) = _exchange.Registry.RemoveInstrument(instrumentName);
        foreach (var subscriber in subscribers)
        {
            subscriber.Connection.RemoveChannel(subscriber.Channel);
        }

        if (feed is not null) _exchange.Engine.OnExpired(feed, subscribers);
        SimulatorLog.Expired(_exchange.Logger, expired.InstrumentName);
        InstrumentExpired?.Invoke(expired);
        return true;
    }

    /// <summary>Waits until at least <paramref name="count"/> ticks have been sent.</summary>
    public async Task WaitForTicksSentAsync(long count, CancellationToken cancellationToken = default)
    {
        while (TicksSent < count)
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ChurnAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var options = _exchange.Universe.Active.Where(i => i.Kind == InstrumentKind.Option).ToList();
                var victim = options.OrderBy(i => i.ExpirationTimestamp).ThenBy(i => i.InstrumentId).FirstOrDefault();
                if (victim is null) continue;
                Expire(victim.InstrumentName);
                if (ListingFactory.NextStrikeListing(victim, options, _exchange.Universe) is { } name)
                {
                    AddListing(name);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var connection in _exchange.OpenConnections()) connection.Abort();
        try
        {
            await Task.WhenAll(_engine, _churn).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
