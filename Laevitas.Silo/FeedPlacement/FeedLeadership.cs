using Laevitas.Feed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Laevitas.Silo.FeedPlacement;

/// <summary>
/// Runs the <see cref="DeribitFeed"/> on exactly one silo of the cluster: the oldest Active member of the
/// membership view (docs/clustering.md, "Where the Deribit feed runs"). Every silo runs this service and computes
/// the same leader from the same snapshot; the leader starts a fresh feed, and a silo that stops being leader
/// (it is shutting down, or the view says it is not the oldest any more) stops its feed. Without Orleans
/// membership in the container (a host that only runs the feed) this silo is trivially the leader.
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
    private readonly SemaphoreSlim _termGate = new(1, 1);
    private DeribitFeed? _feed;
    private volatile string? _leader;
    private MembershipVersion _appliedVersion = MembershipVersion.MinValue;
    private long _termsStarted;

    public FeedLeadership(IServiceProvider services, ILogger<FeedLeadership> logger)
    {
        _services = services;
        _logger = logger;
        _membership = services.GetService<IClusterMembershipService>();
        _localSilo = _membership is null ? null : services.GetService<ILocalSiloDetails>();
    }

    /// <summary>True while this silo runs the feed.</summary>
    public bool IsLeader => Volatile.Read(ref _feed) is not null;

    /// <summary>The silo the last membership view named leader (null before the first Active view, or without Orleans).</summary>
    public string? Leader => _leader;

    /// <summary>How many times this silo has started the feed.</summary>
    public long TermsStarted => Interlocked.Read(ref _termsStarted);

    /// <summary>
    /// The leader of a membership view: the Active member with the smallest generation (its start time, so the
    /// oldest), ties broken by endpoint so every silo picks the same one. Null when no member is Active.
    /// </summary>
    public static SiloAddress? ElectLeader(ClusterMembershipSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        SiloAddress? leader = null;
        foreach (var member in snapshot.Members.Values)
        {
            if (member.Status != SiloStatus.Active)
            {
                continue;
            }

            var candidate = member.SiloAddress;
            if (leader is null
                || candidate.Generation < leader.Generation
                || (candidate.Generation == leader.Generation
                    && string.CompareOrdinal(candidate.ToParsableString(), leader.ToParsableString()) < 0))
            {
                leader = candidate;
            }
        }

        return leader;
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
        var leader = ElectLeader(snapshot);
        var leaderText = leader?.ToString();
        if (leaderText != _leader)
        {
            _leader = leaderText;
            LogLeaderChanged(_logger, leaderText ?? "(none active)", snapshot.Version.Value);
        }

        if (leader is not null && leader.Equals(_localSilo!.SiloAddress))
        {
            await StartTermAsync(stoppingToken).ConfigureAwait(false);
        }
        else
        {
            await EndTermAsync(leader is null ? "no silo is Active" : $"{leader} is the oldest Active silo").ConfigureAwait(false);
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

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Feed leadership: the oldest Active silo is {Leader} (membership version {Version})")]
    private static partial void LogLeaderChanged(ILogger logger, string leader, long version);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Feed leadership acquired by {Silo}: Deribit feed started (term {Term})")]
    private static partial void LogAcquired(ILogger logger, string silo, long term);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "Feed leadership released: Deribit feed stopped ({Reason})")]
    private static partial void LogReleased(ILogger logger, string reason);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Error, Message = "Feed leadership: membership updates failed; the feed is stopped on this silo")]
    private static partial void LogMembershipFailed(ILogger logger, Exception exception);
}
