using System.Collections.Concurrent;
using Laevitas.DeribitSimulator.Faults;
using Laevitas.DeribitSimulator.Hosting;
using Laevitas.DeribitSimulator.Ledger;
using Laevitas.DeribitSimulator.Limits;
using Laevitas.DeribitSimulator.Protocol;
using Laevitas.DeribitSimulator.Ticks;
using Laevitas.DeribitSimulator.Universe;
using Microsoft.Extensions.Logging;

namespace Laevitas.DeribitSimulator;

/// <summary>
/// Everything a simulated exchange is, independent of hosting: universe, market, subscriptions, tick engine,
/// limits, faults, ledger and counters. <see cref="DeribitSimulatorServer"/> puts it behind Kestrel.
/// </summary>
internal sealed class SimulatorExchange
{
    private readonly ConcurrentDictionary<long, SimulatorConnection> _connections = new();
    private readonly ConcurrentDictionary<string, string> _refreshTokens = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _emissionCompleted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextConnectionId;
    private long _requests;
    private long _rateLimited;
    private long _refused;
    private long _heartbeatTimeouts;
    private long _faultsInjected;
    private long _connectionsAccepted;
    private long _commits;

    public SimulatorExchange(SimulatorOptions options, ILogger logger)
    {
        options.Validate();
        Options = options;
        Logger = logger;
        var reference = options.ReferenceTime ?? DateTimeOffset.UtcNow;
        long nextId = 100_000;
        var instruments = UniverseGenerator.Generate(options.InstrumentCount, options.Seed, reference, ref nextId, out var indexPrices);
        Universe = new InstrumentUniverse(instruments, nextId);
        Market = new MarketModel(options.Seed, indexPrices);
        Ledger = new EmissionLedger(options.RecordEmitted);
        Registry = new ChannelRegistry(Market, Universe, Ledger);
        Faults = new SimulatorFaults(this);
        Engine = new TickEngine(options, Registry, Market, Faults);
        RateLimits = new ClientRateLimits(options.Limits);
        ConnectionLimiter = new ConnectionLimiter(options.Limits.MaxConnectionsPerIp);
        Handler = new RequestHandler(this);
        if (options.MaxTicks == 0) _emissionCompleted.TrySetResult();
    }

    public SimulatorOptions Options { get; }
    public ILogger Logger { get; }
    public InstrumentUniverse Universe { get; }
    public MarketModel Market { get; }
    public EmissionLedger Ledger { get; }
    public ChannelRegistry Registry { get; }
    public SimulatorFaults Faults { get; }
    public TickEngine Engine { get; }
    public ClientRateLimits RateLimits { get; }
    public ConnectionLimiter ConnectionLimiter { get; }
    public RequestHandler Handler { get; }
    public Task EmissionCompleted => _emissionCompleted.Task;

    public long Requests => Interlocked.Read(ref _requests);
    public long RateLimited => Interlocked.Read(ref _rateLimited);
    public long Refused => Interlocked.Read(ref _refused);
    public long HeartbeatTimeouts => Interlocked.Read(ref _heartbeatTimeouts);
    public long FaultsInjected => Interlocked.Read(ref _faultsInjected);
    public long ConnectionsAccepted => Interlocked.Read(ref _connectionsAccepted);

    /// <summary>Socket writes (batches) so far: frames per write is the coalescing achieved.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    public void OnCommit() => Interlocked.Increment(ref _commits);

    public IReadOnlyCollection<SimulatorConnection> OpenConnections() => _connections.Values.ToArray();

    public SimulatorConnection Register(string remoteIp, System.Net.WebSockets.WebSocket socket, Hosting.CoalescingWriteStream stream)
    {
        var connection = new SimulatorConnection(Interlocked.Increment(ref _nextConnectionId), remoteIp, socket, stream, this);
        _connections[connection.Id] = connection;
        Interlocked.Increment(ref _connectionsAccepted);
        SimulatorLog.ConnectionOpened(Logger, connection.Id, remoteIp);
        return connection;
    }

    public void Unregister(SimulatorConnection connection)
    {
        _connections.TryRemove(connection.Id, out _);
        Registry.RemoveConnection(connection);
        ConnectionLimiter.Release(connection.RemoteIp);
        SimulatorLog.ConnectionClosed(Logger, connection.Id, connection.RemoteIp);
    }

    public void OnTickSent(in OutboundFrame frame)
    {
        var total = Ledger.CountSent();
        frame.Subscriber?.Ledger?.Add(frame.Timestamp);
        if (Options.MaxTicks is { } max && total >= max) _emissionCompleted.TrySetResult();
    }

    public void OnTickDiscarded() => Engine.OnDiscarded();
    public void OnRequest() => Interlocked.Increment(ref _requests);
    public void OnRateLimited(SimulatorConnection connection)
    {
        Interlocked.Increment(ref _rateLimited);
        SimulatorLog.RateLimited(Logger, connection.Id);
    }

    public void OnRefused(string remoteIp, int statusCode)
    {
        Interlocked.Increment(ref _refused);
        SimulatorLog.ConnectionRefused(Logger, remoteIp, statusCode);
    }

    public void OnHeartbeatTimeout(SimulatorConnection connection)
    {
        Interlocked.Increment(ref _heartbeatTimeouts);
        SimulatorLog.HeartbeatTimeout(Logger, connection.Id);
    }
    public void OnFaultInjected(int connections) => Interlocked.Add(ref _faultsInjected, connections);

    public string IssueRefreshToken(string clientId)
    {
        var token = "sim-refresh-" + Guid.NewGuid().ToString("N");
        _refreshTokens[token] = clientId;
        return token;
    }

    public string? ClientIdForRefreshToken(string token) => _refreshTokens.GetValueOrDefault(token);
}
