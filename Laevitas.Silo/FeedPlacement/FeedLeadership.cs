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
/// <para>Make-before-break. A silo leaving the set while still alive — it is stopping (rolling update, drain), or
/// others became older — keeps its feed until every silo of the new set reports a complete subscription, bounded by
/// <see cref="DeribitOptions.FeedHandoverTimeoutSeconds"/>. Membership alone cannot start the successor in time: a
/// stopping silo stays Active until its shutdown is under way, so it announces that it is leaving through the
/// <see cref="IFeedHandoverGrain"/>, where every silo also reports whether its feed is complete, once a second.
/// Stopping the host waits for that hand-over before the feed stops (this service stops before the silo does, being
/// registered after it). A silo that dies hands nothing over: the other feed covers that (FeedReplicas ≥ 2).</para>
/// <para>Each term gets a new <see cref="DeribitFeed"/> instance: a feed keeps per-run state (connections, followed
/// instruments), so a term that ends must not leak into the next. The shared <see cref="FeedStatus"/> carries over.</para>
/// </remarks>
public sealed partial class FeedLeadership : BackgroundService
{
    private readonly IServiceProvider services;
    private readonly IClusterMembershipService? membership;
    private readonly ILocalSiloDetails? localSilo;
    private readonly ILogger<FeedLeadership> logger;
    private readonly int replicas;
    private readonly SemaphoreSlim termGate = new(1, 1);
    private readonly FeedStatus status;
    private readonly TimeSpan handoverTimeout;
    private readonly TaskCompletionSource handedOver = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool leaving;
    private long? displacedAtMs;
    private DeribitFeed? feed;
    private volatile string? leader;
    private MembershipVersion appliedVersion = MembershipVersion.MinValue;
    private long termsStarted;

    public FeedLeadership(IServiceProvider services, IOptions<DeribitOptions> options, ILogger<FeedLeadership> logger)
    {
        this.services = services;
        replicas = options.Value.FeedReplicas ?? 1;
        handoverTimeout = TimeSpan.FromSeconds(options.Value.FeedHandoverTimeoutSeconds);
        status = services.GetRequiredService<FeedStatus>();
        this.logger = logger;
        membership = services.GetService<IClusterMembershipService>();
        localSilo = membership is null ? null : services.GetService<ILocalSiloDetails>();
    }

    /// <summary>True while this silo runs a feed.</summary>
    public bool IsLeader => Volatile.Read(ref feed) is not null;

    /// <summary>How many silos are meant to run a feed (<see cref="DeribitOptions.FeedReplicas"/>).</summary>
    public int Replicas => replicas;

    /// <summary>
    /// The silos the last membership view named to run a feed, oldest first, comma-separated (null before the first
    /// Active view, or without Orleans).
    /// </summary>
    public string? Leader => leader;

    /// <summary>How many times this silo has started the feed.</summary>
    public long TermsStarted => Interlocked.Read(ref termsStarted);

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
    public static IReadOnlyList<SiloAddress> ElectFeedSilos(ClusterMembershipSnapshot snapshot, int count, IReadOnlyCollection<SiloAddress>? leaving = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var active = new List<SiloAddress>();
        foreach (var member in snapshot.Members.Values)
        {
            if (member.Status == SiloStatus.Active && (leaving is null || !leaving.Contains(member.SiloAddress)))
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
            if (membership is null || localSilo is null)
            {
                LogNoMembership(logger);
                await StartTermAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
                return;
            }

            // Polled rather than driven by membership updates: the hand-over reports change without them.
            using var timer = new PeriodicTimer(ReportInterval);
            do
            {
                var view = await ReportAsync().ConfigureAwait(false);
                await ApplyAsync(membership.CurrentSnapshot, view, stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host stopping.
        }
        catch (Exception ex)
        {
            // Membership updates ended abnormally (the silo is going down): never keep a feed without a view.
            LogMembershipFailed(logger, ex);
        }
        finally
        {
            await EndTermAsync("this silo is stopping").ConfigureAwait(false);
        }
    }

    /// <summary>How often each silo reports to the <see cref="IFeedHandoverGrain"/> and re-elects.</summary>
    public static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Stopping: announce that this silo is leaving and keep its feed until the new feed silos have subscribed (or the
    /// hand-over timeout), then stop as a background service does.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        leaving = true;
        if (membership is not null && IsLeader && handoverTimeout > TimeSpan.Zero)
        {
            LogHandingOver(logger, handoverTimeout.TotalSeconds);
            // The poll loop ends the term once the successors are complete; the timeout there bounds this too.
            await handedOver.Task.WaitAsync(handoverTimeout + ReportInterval + ReportInterval, cancellationToken)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        termGate.Dispose();
        base.Dispose();
    }

    /// <summary>Reports this silo's feed state; null when the hand-over grain cannot be reached (then membership alone decides).</summary>
    private async Task<FeedHandoverView?> ReportAsync()
    {
        try
        {
            var grains = services.GetRequiredService<IGrainFactory>();
            var s = status.Snapshot();
            // Every wanted channel, ticker and trades: a successor missing its trades channels is not complete yet.
            var complete = IsLeader && s.InstrumentsFollowed > 0 && s.ChannelsSubscribed >= Math.Max(s.InstrumentsFollowed, s.ChannelsWanted)
                && s.ConnectionsOpen >= s.ConnectionsWanted;
            return await grains.GetGrain<IFeedHandoverGrain>(0).ReportAsync(new FeedReport(localSilo!.SiloAddress, leaving, complete, HandingOver: IsLeader && displacedAtMs is not null))
                .WaitAsync(ReportInterval * 3).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Including cancellations: a call the runtime cancels while this silo stops must not end the term early
            // (the loop's own token is not passed to the call, so its end still comes from the timer).
            LogReportFailed(logger, ex.GetType().Name, ex.Message);
            return null;
        }
    }

    private async Task ApplyAsync(ClusterMembershipSnapshot snapshot, FeedHandoverView? view, CancellationToken stoppingToken)
    {
        if (snapshot.Version < appliedVersion)
        {
            return;
        }

        appliedVersion = snapshot.Version;
        var leaving = new HashSet<SiloAddress>(view?.Leaving ?? []);
        if (this.leaving)
        {
            leaving.Add(localSilo!.SiloAddress);
        }

        var feedSilos = ElectFeedSilos(snapshot, replicas, leaving);
        var feedText = feedSilos.Count == 0 ? null : string.Join(", ", feedSilos);
        if (feedText != leader)
        {
            leader = feedText;
            LogLeaderChanged(logger, feedText ?? "(none active)", snapshot.Version.Value);
        }

        if (feedSilos.Contains(localSilo!.SiloAddress))
        {
            displacedAtMs = null;
            await StartTermAsync(stoppingToken).ConfigureAwait(false);
            return;
        }

        if (!IsLeader)
        {
            // Only a stopping silo waits for this; a silo that simply runs no feed must not complete it early.
            if (this.leaving)
            {
                handedOver.TrySetResult();
            }

            return;
        }

        // This feed is no longer wanted: keep it until every new feed silo has subscribed everything (make-before-break).
        var now = Environment.TickCount64;
        displacedAtMs ??= now;
        var waited = TimeSpan.FromMilliseconds(now - displacedAtMs.Value);
        var complete = view?.Complete ?? [];
        var pending = feedSilos.Where(s => !complete.Contains(s)).ToList();
        if (pending.Count > 0 && waited < handoverTimeout)
        {
            return;
        }

        var why = feedSilos.Count == 0 ? "no other silo is Active" : $"the feed silos are {feedText}";
        var handover = pending.Count == 0
            ? $"every one of them subscribed after {waited.TotalSeconds:0.0} s"
            : $"{string.Join(", ", pending)} not yet subscribed after {waited.TotalSeconds:0.0} s (Deribit:FeedHandoverTimeoutSeconds)";
        await EndTermAsync($"{why}; {handover}").ConfigureAwait(false);
        displacedAtMs = null;
        if (this.leaving)
        {
            handedOver.TrySetResult();
        }
    }

    private async Task StartTermAsync(CancellationToken stoppingToken)
    {
        await termGate.WaitAsync(stoppingToken).ConfigureAwait(false);
        try
        {
            if (this.feed is not null)
            {
                return;
            }

            var feed = ActivatorUtilities.CreateInstance<DeribitFeed>(services);
            await feed.StartAsync(stoppingToken).ConfigureAwait(false);
            Volatile.Write(ref this.feed, feed);
            var term = Interlocked.Increment(ref termsStarted);
            LogAcquired(logger, localSilo?.SiloAddress.ToString() ?? "this host", term);
        }
        finally
        {
            termGate.Release();
        }
    }

    private async Task EndTermAsync(string reason)
    {
        await termGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            var feed = this.feed;
            if (feed is null)
            {
                return;
            }

            Volatile.Write(ref this.feed, null);
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

            LogReleased(logger, reason);
        }
        finally
        {
            termGate.Release();
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

    [LoggerMessage(EventId = 3105, Level = LogLevel.Information, Message = "Feed leadership: this silo is stopping; its feed runs until the new feed silos have subscribed (at most {Seconds} s)")]
    private static partial void LogHandingOver(ILogger logger, double seconds);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Warning, Message = "Feed leadership: could not reach the hand-over grain ({Error}: {Message}); electing from membership alone")]
    private static partial void LogReportFailed(ILogger logger, string error, string message);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Error, Message = "Feed leadership: membership updates failed; the feed is stopped on this silo")]
    private static partial void LogMembershipFailed(ILogger logger, Exception exception);
}
