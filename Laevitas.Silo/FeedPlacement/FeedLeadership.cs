using Laevitas.Feed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Laevitas.Silo.FeedPlacement;

/// <summary>
/// Runs a complete <see cref="DeribitFeed"/> on each of the <see cref="DeribitOptions.FeedReplicas"/> oldest Active
/// members of the membership view (docs/clustering.md, "Where the Deribit feed runs"). Every silo runs this service
/// and computes the same feed set from the same snapshot; a silo that enters the set starts a fresh feed, and one
/// that leaves it (it is shutting down, or the view says others are older) stops its feed. Every tick therefore
/// reaches its instrument grain once per running feed, and the grain publishes it once (its accept rule), so losing
/// one feed silo loses no tick. Without Orleans membership in the container (a host that only runs the feed) this
/// silo always runs the feed.
/// </summary>
/// <remarks>
/// Each term gets a new <see cref="DeribitFeed"/> instance: a feed keeps per-run state (connections, followed
/// instruments), so a term that ends must not leak into the next. The shared <see cref="FeedStatus"/> carries over.
/// </remarks>
public sealed partial class FeedLeadership : BackgroundService
{
    private readonly IServiceProvider _services;
    private readonly IClusterMembershipService? _membership;
    private readonly ILocalSiloDetails? _localSilo;
    private readonly ILogger<FeedLeadership> _logger;
    private readonly int _replicas;
    private readonly SemaphoreSlim _termGate = new(1, 1);
    private DeribitFeed? _feed;
    private volatile string? _leader;
    private MembershipVersion _appliedVersion = MembershipVersion.MinValue;
    private long _termsStarted;

    public FeedLeadership(IServiceProvider services, IOptions<DeribitOptions> options, ILogger<FeedLeadership> logger)
    {
        _services = services;
        _replicas = options.Value.FeedReplicas ?? 1;
        _logger = logger;
        _membership = services.GetService<IClusterMembershipService>();
        _localSilo = _membership is null ? null : services.GetService<ILocalSiloDetails>();
    }

    /// <summary>True while this silo runs a feed.</summary>
    public bool IsLeader => Volatile.Read(ref _feed) is not null;

    /// <summary>How many silos are meant to run a feed (<see cref="DeribitOptions.FeedReplicas"/>).</summary>
    public int Replicas => _replicas;

    /// <summary>
    /// The silos the last membership view named to run a feed, oldest first, comma-separated (null before the first
    /// Active view, or without Orleans).
    /// </summary>
    public string? Leader => _leader;

    /// <summary>How many times this silo has started the feed.</summary>
    public long TermsStarted => Interlocked.Read(ref _termsStarted);

    /// <summary>
    /// The leader of a membership view: the Active member with the smallest generation (its start time, so the
    /// oldest), ties broken by endpoint so every silo picks the same one. Null when no member is Active.
    /// </summary>
    public static SiloAddress? ElectLeader(ClusterMembershipSnapshot snapshot)
    {
        var silos = ElectFeedSilos(snapshot, 1);
        return silos.Count == 0 ? null : silos[0];
    }

    /// <summary>
    /// The feed silos of a membership view: the <paramref name="count"/> oldest Active members (smallest generation,
    /// ties broken by endpoint so every silo picks the same ones), oldest first. Oldest, so a rolling update's new,
    /// youngest silos do not take a feed from a silo that keeps running: the set changes only when a feed silo leaves.
    /// </summary>
    public static IReadOnlyList<SiloAddress> ElectFeedSilos(ClusterMembershipSnapshot snapshot, int count)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var active = new List<SiloAddress>();
        foreach (var member in snapshot.Members.Values)
        {
            if (member.Status == SiloStatus.Active)
            {
                active.Add(member.SiloAddress);
            }
        }

        active.Sort(static (a, b) => a.Generation != b.Generation
            ? a.Generation.CompareTo(b.Generation)
            : string.CompareOrdinal(a.ToParsableString(), b.ToParsableString()));
        if (active.Count > count)
        {
            active.RemoveRange(count, active.Count - count);
        }

        return active;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (_membership is null || _localSilo is null)
            {
                LogNoMembership(_logger);
                await StartTermAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
                return;
            }

            await ApplyAsync(_membership.CurrentSnapshot, stoppingToken).ConfigureAwait(false);
            await foreach (var snapshot in _membership.MembershipUpdates.WithCancellation(stoppingToken).ConfigureAwait(false))
            {
                await ApplyAsync(snapshot, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host stopping.
        }
        catch (Exception ex)
        {
            // Membership updates ended abnormally (the silo is going down): never keep a feed without a view.
            LogMembershipFailed(_logger, ex);
        }
        finally
        {
            await EndTermAsync("this silo is stopping").ConfigureAwait(false);
        }
    }

    public override void Dispose()
    {
        _termGate.Dispose();
        base.Dispose();
    }

    private async Task ApplyAsync(ClusterMembershipSnapshot snapshot, CancellationToken stoppingToken)
    {
        // The current snapshot is read before the update stream starts; never let an older view undo a newer one.
        if (snapshot.Version < _appliedVersion)
        {
            return;
        }

        _appliedVersion = snapshot.Version;
        var feedSilos = ElectFeedSilos(snapshot, _replicas);
        var feedText = feedSilos.Count == 0 ? null : string.Join(", ", feedSilos);
        if (feedText != _leader)
        {
            _leader = feedText;
            LogLeaderChanged(_logger, feedText ?? "(none active)", snapshot.Version.Value);
        }

        if (feedSilos.Contains(_localSilo!.SiloAddress))
        {
            await StartTermAsync(stoppingToken).ConfigureAwait(false);
        }
        else
        {
            await EndTermAsync(feedSilos.Count == 0 ? "no silo is Active" : $"the {_replicas} oldest Active silo(s) are {feedText}").ConfigureAwait(false);
        }
    }

    private async Task StartTermAsync(CancellationToken stoppingToken)
    {
        await _termGate.WaitAsync(stoppingToken).ConfigureAwait(false);
        try
        {
            if (_feed is not null)
            {
                return;
            }

            var feed = ActivatorUtilities.CreateInstance<DeribitFeed>(_services);
            await feed.StartAsync(stoppingToken).ConfigureAwait(false);
            Volatile.Write(ref _feed, feed);
            var term = Interlocked.Increment(ref _termsStarted);
            LogAcquired(_logger, _localSilo?.SiloAddress.ToString() ?? "this host", term);
        }
        finally
        {
            _termGate.Release();
        }
    }

    private async Task EndTermAsync(string reason)
    {
        await _termGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            var feed = _feed;
            if (feed is null)
            {
                return;
            }

            Volatile.Write(ref _feed, null);
            // The feed's connections close promptly on cancellation; the bound only guards against a hung socket.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await feed.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            finally
            {
                feed.Dispose();
            }

            LogReleased(_logger, reason);
        }
        finally
        {
            _termGate.Release();
        }
    }

    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "Feed leadership: no cluster membership in this host, so this host runs the Deribit feed")]
    private static partial void LogNoMembership(ILogger logger);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Feed leadership: the feed silos (oldest Active) are {Leader} (membership version {Version})")]
    private static partial void LogLeaderChanged(ILogger logger, string leader, long version);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Feed leadership acquired by {Silo}: Deribit feed started (term {Term})")]
    private static partial void LogAcquired(ILogger logger, string silo, long term);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "Feed leadership released: Deribit feed stopped ({Reason})")]
    private static partial void LogReleased(ILogger logger, string reason);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Error, Message = "Feed leadership: membership updates failed; the feed is stopped on this silo")]
    private static partial void LogMembershipFailed(ILogger logger, Exception exception);
}
