using System.Collections.Concurrent;
using Laevitas.DeribitSimulator.Faults;
using Laevitas.DeribitSimulator.Hosting;
using Laevitas.DeribitSimulator.Indexes;
using Laevitas.DeribitSimulator.Ledger;
using Laevitas.DeribitSimulator.Limits;
using Laevitas.DeribitSimulator.Protocol;
using Laevitas.DeribitSimulator.Settlements;
using Laevitas.DeribitSimulator.Ticks;
using Laevitas.DeribitSimulator.Trades;
using Laevitas.DeribitSimulator.Universe;
using Microsoft.Extensions.Logging;

namespace Laevitas.DeribitSimulator;

/// <summary>
/// Everything a simulated exchange is, independent of hosting: universe, market, subscriptions, tick engine,
/// limits, faults, ledger and counters. <see cref="DeribitSimulatorServer"/> puts it behind Kestrel.
/// </summary>
internal sealed class SimulatorExchange
{
    private readonly ConcurrentDictionary<long, SimulatorConnection> connections = new();
    private readonly ConcurrentDictionary<string, string> refreshTokens = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource emissionCompleted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long nextConnectionId;
    private long requests;
    private long rateLimited;
    private long refused;
    private long heartbeatTimeouts;
    private long faultsInjected;
    private long connectionsAccepted;
    private long commits;

    public SimulatorExchange(SimulatorOptions options, ILogger logger)
    {
        options.Validate();
        Options = options;
        Logger = logger;
        var reference = options.ReferenceTime ?? (options.DailySchedule
            ? DailySchedule.ListingDayOf(options.Clock.GetUtcNow())
            : options.Clock.GetUtcNow());
        long nextId = 100_000;
        var instruments = UniverseGenerator.Generate(options.InstrumentCount, options.Seed, reference, ref nextId, out var indexPrices);
        Universe = new InstrumentUniverse(instruments, nextId);
        Market = new MarketModel(options.Seed, indexPrices, options.Clock);
        DeliveryPrices = new DeliveryPriceHistory(options, reference, indexPrices);
        Ledger = new EmissionLedger(options.RecordEmitted);
        MarketLedger = new MarketLedger(options.RecordEmitted);
        Registry = new ChannelRegistry(Market, Universe, Ledger);
        Faults = new SimulatorFaults(this);
        Engine = new TickEngine(options, Registry, Market, Faults, MarketLedger);
        TradeSubscriptions = new TradeSubscriptions();
        TradeLedger = new TradeLedger(options.RecordEmitted);
        TradeEngine = new TradeEngine(options, Registry, TradeSubscriptions, TradeLedger, Faults);
        IndexLedger = new IndexLedger(options.RecordEmitted);
        Indexes = new IndexPublisher(this);
        RateLimits = new ClientRateLimits(options.Limits);
        ConnectionLimiter = new ConnectionLimiter(options.Limits.MaxConnectionsPerIp);
        Handler = new RequestHandler(this);
        Listings = new InstrumentStateNotifier(this);
        if (options.MaxTicks == 0) emissionCompleted.TrySetResult();
    }

    public SimulatorOptions Options { get; }
    public ILogger Logger { get; }
    public InstrumentUniverse Universe { get; }
    public MarketModel Market { get; }
    public DeliveryPriceHistory DeliveryPrices { get; }
    public EmissionLedger Ledger { get; }
    public MarketLedger MarketLedger { get; }
    public ChannelRegistry Registry { get; }
    public SimulatorFaults Faults { get; }
    public TickEngine Engine { get; }
    public TradeSubscriptions TradeSubscriptions { get; }
    public TradeLedger TradeLedger { get; }
    public TradeEngine TradeEngine { get; }
    public IndexLedger IndexLedger { get; }
    public IndexPublisher Indexes { get; }
    public ClientRateLimits RateLimits { get; }
    public ConnectionLimiter ConnectionLimiter { get; }
    public RequestHandler Handler { get; }
    public InstrumentStateNotifier Listings { get; }
    public Task EmissionCompleted => emissionCompleted.Task;

    public long Requests => Interlocked.Read(ref requests);
    public long RateLimited => Interlocked.Read(ref rateLimited);
    public long Refused => Interlocked.Read(ref refused);
    public long HeartbeatTimeouts => Interlocked.Read(ref heartbeatTimeouts);
    public long FaultsInjected => Interlocked.Read(ref faultsInjected);
    public long ConnectionsAccepted => Interlocked.Read(ref connectionsAccepted);

    /// <summary>Socket writes (batches) so far: frames per write is the coalescing achieved.</summary>
    public long Commits => Interlocked.Read(ref commits);

    public void OnCommit() => Interlocked.Increment(ref commits);

    public IReadOnlyCollection<SimulatorConnection> OpenConnections() => connections.Values.ToArray();

    public SimulatorConnection Register(string remoteIp, System.Net.WebSockets.WebSocket socket, Hosting.CoalescingWriteStream stream)
    {
        var connection = new SimulatorConnection(Interlocked.Increment(ref nextConnectionId), remoteIp, socket, stream, this);
        connections[connection.Id] = connection;
        Interlocked.Increment(ref connectionsAccepted);
        SimulatorLog.ConnectionOpened(Logger, connection.Id, remoteIp);
        return connection;
    }

    public void Unregister(SimulatorConnection connection)
    {
        connections.TryRemove(connection.Id, out _);
        Registry.RemoveConnection(connection);
        TradeSubscriptions.RemoveConnection(connection);
        ConnectionLimiter.Release(connection.RemoteIp);
        SimulatorLog.ConnectionClosed(Logger, connection.Id, connection.RemoteIp);
    }

    public void OnTickSent(in OutboundFrame frame)
    {
        var total = Ledger.CountSent();
        frame.Subscriber?.Ledger?.Add(frame.Timestamp);
        if (Options.MaxTicks is { } max && total >= max) emissionCompleted.TrySetResult();
    }

    public void OnTickDiscarded() => Engine.OnDiscarded();

    /// <summary>
    /// A tick whose batch failed to commit (the connection dropped during the write): not sent, so discarded for
    /// <see cref="SimulatorOptions.MaxTicks"/>, but recorded as in doubt since the client may have received it.
    /// </summary>
    public void OnTickInDoubt(in OutboundFrame frame)
    {
        Ledger.CountInDoubt();
        frame.Subscriber?.Ledger?.AddInDoubt(frame.Timestamp);
        Engine.OnDiscarded();
    }

    public void OnRequest() => Interlocked.Increment(ref requests);
    public void OnRateLimited(SimulatorConnection connection)
    {
        Interlocked.Increment(ref rateLimited);
        SimulatorLog.RateLimited(Logger, connection.Id);
    }

    public void OnRefused(string remoteIp, int statusCode)
    {
        Interlocked.Increment(ref refused);
        SimulatorLog.ConnectionRefused(Logger, remoteIp, statusCode);
    }

    public void OnHeartbeatTimeout(SimulatorConnection connection)
    {
        Interlocked.Increment(ref heartbeatTimeouts);
        SimulatorLog.HeartbeatTimeout(Logger, connection.Id);
    }
    public void OnFaultInjected(int connections) => Interlocked.Add(ref faultsInjected, connections);

    public string IssueRefreshToken(string clientId)
    {
        var token = "sim-refresh-" + Guid.NewGuid().ToString("N");
        refreshTokens[token] = clientId;
        return token;
    }

    public string? ClientIdForRefreshToken(string token) => refreshTokens.GetValueOrDefault(token);
}
