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

    private readonly WebApplication app;
    private readonly SimulatorExchange exchange;
    private readonly CancellationTokenSource stopping = new();
    private Task engine = Task.CompletedTask;
    private Task churn = Task.CompletedTask;
    private Task schedule = Task.CompletedTask;
    private Task trades = Task.CompletedTask;
    private Task indexes = Task.CompletedTask;
    private int disposed;

    private DeribitSimulatorServer(WebApplication app, SimulatorExchange exchange)
    {
        this.app = app;
        this.exchange = exchange;
    }

    /// <summary>The WebSocket endpoint, e.g. <c>ws://127.0.0.1:54321/ws/api/v2</c>.</summary>
    public string Url { get; private set; } = "";

    /// <summary>The port actually bound (useful when <see cref="SimulatorOptions.Port"/> was 0).</summary>
    public int Port { get; private set; }

    public SimulatorOptions Options => exchange.Options;

    /// <summary>Listed and expired instruments.</summary>
    public InstrumentUniverse Universe => exchange.Universe;

    /// <summary>What was sent, for reconciliation.</summary>
    public EmissionLedger Ledger => exchange.Ledger;

    /// <summary>What the market generated, subscribed or not: reconciling against it shows subscription holes.</summary>
    public MarketLedger MarketLedger => exchange.MarketLedger;

    /// <summary>Every trade generated (when <see cref="SimulatorOptions.RecordEmitted"/> is on), value by value.</summary>
    public TradeLedger TradeLedger => exchange.TradeLedger;

    /// <summary>Every index channel value sent (when <see cref="SimulatorOptions.RecordEmitted"/> is on), value by value.</summary>
    public IndexLedger IndexLedger => exchange.IndexLedger;

    /// <summary>Aggregate trades per second (see <see cref="SimulatorOptions.TradesPerSecond"/>); settable while running.</summary>
    public double TradesPerSecond
    {
        get => exchange.TradeEngine.TradesPerSecond;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            exchange.TradeEngine.TradesPerSecond = value;
        }
    }

    /// <summary>Fault injection.</summary>
    public SimulatorFaults Faults => exchange.Faults;

    /// <summary>Raised after an instrument is listed (by <see cref="AddListing(string)"/> or the churn schedule).</summary>
    public event Action<SimInstrument>? InstrumentListed;

    /// <summary>Raised after an instrument expired (by <see cref="Expire"/> or the churn schedule).</summary>
    public event Action<SimInstrument>? InstrumentExpired;

    /// <summary>Ticker notifications written to sockets so far.</summary>
    public long TicksSent => exchange.Ledger.TotalSent;

    /// <summary>Completes when <see cref="SimulatorOptions.MaxTicks"/> ticks have been sent (never, without a limit).</summary>
    public Task EmissionCompleted => exchange.EmissionCompleted;

    /// <summary>Aggregate tick rate; may be changed while running.</summary>
    public double TicksPerSecond
    {
        get => exchange.Engine.TicksPerSecond;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            exchange.Engine.TicksPerSecond = value;
        }
    }

    public IReadOnlyList<SimulatorConnectionInfo> Connections =>
        exchange.OpenConnections()
            .OrderBy(c => c.Id)
            .Select(c => new SimulatorConnectionInfo(c.Id, c.RemoteIp, c.ChannelCount, c.IsAuthenticated, c.HeartbeatIntervalSeconds))
            .ToArray();

    /// <summary>The indexes <c>public/get_delivery_prices</c> knows (every underlying's price index).</summary>
    public IReadOnlyList<string> DeliveryIndexes => exchange.DeliveryPrices.Indexes;

    /// <summary>
    /// What <c>public/get_delivery_prices</c> would answer for <paramref name="indexName"/> now, all of it, newest first
    /// (the reference a test reconciles stored settlements against).
    /// </summary>
    public IReadOnlyList<Settlements.SimulatedDeliveryPrice> DeliveryPrices(string indexName) =>
        exchange.DeliveryPrices.IsKnown(indexName)
            ? exchange.DeliveryPrices.All(indexName)
            : throw new ArgumentException($"The simulator has no index {indexName}.", nameof(indexName));

    public SimulatorStatistics GetStatistics() => new(
        exchange.OpenConnections().Count,
        exchange.ConnectionsAccepted,
        exchange.Refused,
        exchange.Registry.SubscriptionCount,
        exchange.Ledger.TotalSent,
        exchange.Requests,
        exchange.RateLimited,
        exchange.HeartbeatTimeouts,
        exchange.FaultsInjected);

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
        server.engine = Task.Run(async () =>
        {
            try
            {
                await exchange.Engine.RunAsync(server.stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                SimulatorLog.EngineFailed(logger, ex);
                throw;
            }
        }, CancellationToken.None);
        server.trades = Task.Run(async () =>
        {
            try
            {
                await exchange.TradeEngine.RunAsync(server.stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                SimulatorLog.EngineFailed(logger, ex);
                throw;
            }
        }, CancellationToken.None);
        server.indexes = Task.Run(() => exchange.Indexes.RunAsync(server.stopping.Token), CancellationToken.None);
        if (options.ChurnInterval is { } churn)
        {
            server.churn = Task.Run(() => server.ChurnAsync(churn, server.stopping.Token), CancellationToken.None);
        }

        if (options.DailySchedule)
        {
            server.schedule = Task.Run(() => server.DailyScheduleAsync(server.stopping.Token), CancellationToken.None);
        }

        return server;
    }

    /// <summary>
    /// Lists a new instrument by name (<c>BTC-26JUN26-150000-C</c>, <c>ETH-27MAR26</c>, <c>XRP_USDC-30MAY25-0d625-C</c>,
    /// <c>SOL_USDC-PERPETUAL</c>); contract terms follow the underlying's. It shows in get_instruments at once, and
    /// subscribers of its <c>instrument.state.{kind}.{currency}</c> channels get <c>created</c> then <c>started</c>.
    /// </summary>
    public SimInstrument AddListing(string instrumentName)
    {
        var instrument = ListingFactory.FromName(instrumentName, exchange.Universe.NextInstrumentId(), exchange.Options.Clock.GetUtcNow().ToUnixTimeMilliseconds());
        return AddListing(instrument);
    }

    /// <summary>Lists a fully specified instrument.</summary>
    public SimInstrument AddListing(SimInstrument instrument)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        if (!exchange.Universe.TryAdd(instrument))
        {
            throw new InvalidOperationException($"Instrument {instrument.InstrumentName} is already listed.");
        }

        SimulatorLog.Listed(exchange.Logger, instrument.InstrumentName);
        // The exchange announces a listing when it is created and again when its book opens; here both at once.
        exchange.Listings.Notify(instrument, "created");
        exchange.Listings.Notify(instrument, "started");
        InstrumentListed?.Invoke(instrument);
        return instrument;
    }

    /// <summary>
    /// Expires an instrument: it leaves get_instruments (expired=false), appears under expired=true, its subscribers
    /// get one final notification (state <c>closed</c>, <c>estimated_delivery_price</c> "expired", when
    /// <see cref="SimulatorOptions.SendFinalTickOnExpiry"/>) and then nothing more; subscribers of its
    /// <c>instrument.state.{kind}.{currency}</c> channels get <c>settled</c> then <c>terminated</c>. False if it was not listed.
    /// </summary>
    public bool Expire(string instrumentName)
    {
        if (!exchange.Universe.TryExpire(instrumentName, out var expired)) return false;
        var (feed, subscribers) = exchange.Registry.RemoveInstrument(instrumentName);
        foreach (var subscriber in subscribers)
        {
            subscriber.Connection.RemoveChannel(subscriber.Channel);
        }

        if (feed is not null) exchange.Engine.OnExpired(feed, subscribers);
        exchange.Listings.Notify(expired, "settled");
        exchange.Listings.Notify(expired, "terminated");
        SimulatorLog.Expired(exchange.Logger, expired.InstrumentName);
        InstrumentExpired?.Invoke(expired);
        return true;
    }

    /// <summary>
    /// An expiry of the daily schedule: like <see cref="Expire"/>, but the last ticker carries
    /// <paramref name="deliveryPrice"/> and the <c>settled</c> and <c>terminated</c> notifications follow it (the
    /// instrument's last word comes before its end is announced).
    /// </summary>
    private bool Deliver(string instrumentName, double? deliveryPrice)
    {
        if (!exchange.Universe.TryExpire(instrumentName, out var expired)) return false;
        var (feed, subscribers) = exchange.Registry.RemoveInstrument(instrumentName);
        foreach (var subscriber in subscribers)
        {
            subscriber.Connection.RemoveChannel(subscriber.Channel);
        }

        exchange.Engine.OnExpired(feed, subscribers, deliveryPrice, () =>
        {
            exchange.Listings.Notify(expired, "settled");
            exchange.Listings.Notify(expired, "terminated");
        });
        SimulatorLog.Expired(exchange.Logger, expired.InstrumentName);
        InstrumentExpired?.Invoke(expired);
        return true;
    }

    /// <summary>
    /// The 08:00 UTC cycle on <see cref="SimulatorOptions.Clock"/> (its timers, so an accelerated clock runs it
    /// faster): what expires then is delivered at the day's delivery price of its index (the value
    /// <c>public/get_delivery_prices</c> lists for that day from the same moment), then each option chain gets a new
    /// daily expiry.
    /// </summary>
    private async Task DailyScheduleAsync(CancellationToken cancellationToken)
    {
        var clock = exchange.Options.Clock;
        // The day after the newest settled one (the clock's latest 08:00 when the simulator was built), so a clock
        // crossing 08:00 while the simulator starts still settles that day.
        var next = new DateTimeOffset(exchange.DeliveryPrices.Newest().AddDays(1).ToDateTime(TimeOnly.FromTimeSpan(DailySchedule.At)), TimeSpan.Zero);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var wait = next - clock.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    // A scaled timer may wake a hair early: look at the clock again rather than trust the wait.
                    await Task.Delay(wait, clock, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                Settle(next);
                next = next.AddDays(1);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            SimulatorLog.EngineFailed(exchange.Logger, ex);
            throw;
        }
    }

    /// <summary>Runs one 08:00 settlement: deliveries first, then the new listings.</summary>
    private void Settle(DateTimeOffset settlement)
    {
        // The day's delivery prices: each index where it stands now (Deribit averages the index over the half hour
        // before 08:00; a walk that barely moves in that time is close enough). get_delivery_prices lists them from here.
        exchange.DeliveryPrices.Settle(DateOnly.FromDateTime(settlement.UtcDateTime), (index, start) => exchange.Market.IndexFor(index, start).Price);
        var active = exchange.Universe.Active;
        foreach (var instrument in DailySchedule.Expiring(active, settlement))
        {
            var day = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(instrument.ExpirationTimestamp).UtcDateTime);
            double? price = exchange.DeliveryPrices.IsKnown(instrument.PriceIndex) ? exchange.DeliveryPrices.PriceOf(instrument.PriceIndex, day) : null;
            Deliver(instrument.InstrumentName, price);
        }

        var options = exchange.Options;
        var dailies = DailySchedule.NewDailies(active, settlement, options.DailyExpiryDays, options.DailyStrikes,
            (index, fallback) => exchange.Market.IndexFor(index, fallback).Price, exchange.Universe.IsActive, exchange.Universe.NextInstrumentId);
        foreach (var instrument in dailies)
        {
            if (exchange.Universe.IsActive(instrument.InstrumentName)) continue;
            AddListing(instrument);
        }
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
                var options = exchange.Universe.Active.Where(i => i.Kind == InstrumentKind.Option).ToList();
                var victim = options.OrderBy(i => i.ExpirationTimestamp).ThenBy(i => i.InstrumentId).FirstOrDefault();
                if (victim is null) continue;
                Expire(victim.InstrumentName);
                if (ListingFactory.NextStrikeListing(victim, options, exchange.Universe) is { } name)
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
        if (Interlocked.Exchange(ref disposed, 1) != 0) return;
        await stopping.CancelAsync().ConfigureAwait(false);
        foreach (var connection in exchange.OpenConnections()) connection.Abort();
        try
        {
            await Task.WhenAll(engine, churn, schedule, trades, indexes).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await app.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        stopping.Dispose();
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
