using Laevitas.Grains.Abstractions.Hosting;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Grains.Publishing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Laevitas.Grains.Instruments;

/// <summary>
/// One instrument: accepts each tick once, publishes the accepted ones, remembers the newest and counts them;
/// persists that on a timer (only when something changed) and on deactivation — never per tick.
/// </summary>
/// <remarks>
/// <para>
/// The accept rule (DESIGN invariant 8). Every running feed delivers every tick, so the grain sees each one once per
/// feed. It accepts a tick only when its exchange timestamp is newer than the newest it has accepted, so each is
/// published once and the state is the newest ticker, not the last received; what it does not accept is counted
/// (<see cref="InstrumentAcceptStatus"/>, per instrument in the snapshot), never logged. One refinement closes the
/// race where the faster feed missed a tick (it was reconnecting) and the slower one brings it after a newer one: a
/// tick inside the span of the last few accepted timestamps that is not one of them is accepted as late
/// (<see cref="AcceptWindow"/>).
/// </para>
/// <para>
/// Reactivation. The watermark a reactivated grain starts from is the persisted
/// <see cref="InstrumentState.PublishedThroughTimestamp"/>: the newest timestamp whose publish — and every earlier
/// one's — had completed (broker acknowledgement or spool) when the state was written. Persisting the newest
/// <em>accepted</em> timestamp instead would be wrong: a tick accepted but still in the producer's memory when the
/// silo dies is lost with it, and the other feed's copy, arriving at the reactivated grain, would then be dropped as
/// a duplicate — a hole. With the durable watermark the other way round holds: ticks accepted after the last write
/// (at most one persistence interval, plus what was outstanding) can be published a second time after a crash; the
/// writer's unique key stores them once (invariant 2). A clean deactivation (rolling update, idle collection) first
/// waits, bounded by <see cref="InstrumentGrainOptions.DeliveryWait"/>, for the outstanding publishes and writes the
/// watermark, so it republishes nothing. Never a drop, a bounded republish only after a crash: that is the rule.
/// </para>
/// Storage-key collisions (dotnet/orleans#9737, #8746): ADO.NET storage identifies a row by the state name and
/// the grain key only, not the grain type. The grain type is pinned with <see cref="GrainTypeAttribute"/> and the
/// state is named after it, so another grain type keyed by the same instrument name cannot share the row as
/// long as it names its state after its own type (a test checks every state name is unique).
/// </remarks>
[GrainType(GrainTypeName)]
public sealed partial class InstrumentGrain : Grain, IInstrumentGrain
{
    public const string GrainTypeName = "instrument";
    public const string StateName = GrainTypeName;

    private readonly IPersistentState<InstrumentState> state;
    private readonly ITickPublisher publisher;
    private readonly InstrumentGrainOptions options;
    private readonly TimeProvider timeProvider;
    private readonly SiloAddress localSilo;
    private readonly ILogger<InstrumentGrain> logger;
    private readonly InstrumentAcceptStatus acceptStatus;
    private ParsedInstrumentName name = null!;
    private AcceptWindow window = null!;
    private PublishedWatermark published = null!;
    private bool dirty;

    public InstrumentGrain(
        [PersistentState(StateName, ProviderNames.GrainStorage)] IPersistentState<InstrumentState> state,
        ITickPublisher publisher,
        IOptions<InstrumentGrainOptions> options,
        TimeProvider timeProvider,
        ILocalSiloDetails localSilo,
        InstrumentAcceptStatus acceptStatus,
        ILogger<InstrumentGrain> logger)
    {
        this.acceptStatus = acceptStatus;
        this.localSilo = localSilo.SiloAddress;
        this.state = state;
        this.publisher = publisher;
        this.options = options.Value;
        this.timeProvider = timeProvider;
        this.logger = logger;
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        name = InstrumentNameParser.Parse(this.GetPrimaryKeyString());
        window = new AcceptWindow(state.State.PublishedThroughTimestamp);
        published = new PublishedWatermark(state.State.PublishedThroughTimestamp);
        var period = options.PersistInterval;
        // Spread the first write over one period so thousands of grains activated together do not write together.
        var due = TimeSpan.FromTicks(Random.Shared.NextInt64(period.Ticks / 2, period.Ticks + 1));
        this.RegisterGrainTimer(OnPersistTimerAsync, new GrainTimerCreationOptions(due, period) { KeepAlive = false });
        return Task.CompletedTask;
    }

    public async Task ReceiveTicksAsync(TickBatch batch)
    {
        var ticks = Accept(batch.Ticks);
        if (ticks.Length == 0)
        {
            // Every tick was a copy. The copy accepted first may still be in the producer's memory, sent by a
            // dispatcher on this silo (answered at once): if this silo dies now, that copy dies with it, and this
            // dispatcher — on another silo — is the one that must send its copy again. So it too waits for them.
            await WaitForOutstandingAsync(batch.Sender);
            return;
        }

        var durable = publisher.PublishAsync(ticks);
        var s = state.State;
        long newest = long.MinValue;
        foreach (var tick in ticks)
        {
            newest = Math.Max(newest, tick.Timestamp);
            if (s.LastTickTimestamp is not { } current || tick.Timestamp > current)
            {
                s.LastTickTimestamp = tick.Timestamp;
                s.LastTickPayload = tick.Payload;
            }
        }

        published.Add(newest, durable);
        s.TicksSeen += ticks.Length;
        s.FirstSeenAtMs ??= ticks[0].ReceivedAtMs;
        s.LastSeenAtMs = ticks[^1].ReceivedAtMs;
        dirty = true;

        // Answer a dispatcher on another silo only once the ticks would survive this silo being killed (acknowledged by
        // the broker or spooled to disk): until then a failed call makes it send them again, so a crash loses none.
        // Bounded, and the publisher answers at once while the broker is slow or away: the ticks then wait in its
        // buffer and spool. A dispatcher on this silo gets its answer at once: killing the silo kills the dispatcher
        // and its queue too, so waiting would protect nothing, and it would hold one of the dispatcher's few call
        // slots for a whole broker round trip (./bench.sh: p99 1.2-1.5 s at 10,000 ticks/s when it did, 0.3 s since).
        // With redundant feeds, "the ticks" are every tick this grain has accepted so far, not only this batch's:
        // a copy dropped here may have been accepted from the other feed and still be on its way to the broker.
        await WaitForOutstandingAsync(batch.Sender);
    }

    private async Task WaitForOutstandingAsync(SiloAddress? sender)
    {
        published.Advance();
        if (published.Outstanding > 0 && options.DeliveryWait > TimeSpan.Zero && !localSilo.Equals(sender))
        {
            // Still queued in the producer after the wait: delivered when the broker answers.
            await published.SettleAsync(options.DeliveryWait);
        }
    }

    /// <summary>The ticks of the batch to publish, oldest first; the batch's own array when all are.</summary>
    private RawTick[] Accept(RawTick[] ticks)
    {
        List<RawTick>? kept = null;
        int duplicates = 0, late = 0;
        for (var i = 0; i < ticks.Length; i++)
        {
            var decision = window.Offer(ticks[i].Timestamp);
            if (decision == AcceptDecision.Duplicate)
            {
                if (kept is null)
                {
                    // First one dropped: copy what was accepted before it (no allocation while all are accepted).
                    kept = new List<RawTick>(ticks.Length);
                    for (var j = 0; j < i; j++)
                    {
                        kept.Add(ticks[j]);
                    }
                }

                duplicates++;
                continue;
            }

            if (decision == AcceptDecision.Late)
            {
                late++;
            }

            kept?.Add(ticks[i]);
        }

        if (duplicates > 0)
        {
            state.State.DuplicatesDropped += duplicates;
            acceptStatus.AddDuplicates(duplicates);
            dirty = true;
        }

        if (late > 0)
        {
            acceptStatus.AddLate(late);
        }

        return kept is null ? ticks : kept.ToArray();
    }

    public Task<InstrumentSnapshot> GetSnapshotAsync()
    {
        var s = state.State;
        return Task.FromResult(new InstrumentSnapshot
        {
            InstrumentName = name.Raw,
            Name = name,
            Status = s.Status,
            Info = s.Info,
            TicksSeen = s.TicksSeen,
            FirstSeenAtMs = s.FirstSeenAtMs,
            LastSeenAtMs = s.LastSeenAtMs,
            LastTickTimestamp = s.LastTickTimestamp,
            LastTickPayload = s.LastTickPayload,
            StatusChangedAtMs = s.StatusChangedAtMs,
            DuplicatesDropped = s.DuplicatesDropped,
            PublishedThroughTimestamp = published.Through,
        });
    }

    public Task UpdateInfoAsync(InstrumentInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (!string.Equals(info.InstrumentName, name.Raw, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Listing of {info.InstrumentName} sent to the grain of {name.Raw}.", nameof(info));
        }

        var s = state.State;
        if (s.Info != info)
        {
            s.Info = info;
            dirty = true;
        }

        // A relisted instrument (it ticks and is listed again) becomes active again; an expired one does not.
        if (info.IsActive && s.Status == InstrumentStatus.Delisted && !HasExpired())
        {
            SetStatus(InstrumentStatus.Active, NowMs());
        }

        return Task.CompletedTask;
    }

    public async Task MarkDelistedAsync(long delistedAtMs)
    {
        var status = HasExpired() ? InstrumentStatus.Expired : InstrumentStatus.Delisted;
        if (state.State.Status != status)
        {
            SetStatus(status, delistedAtMs);
        }

        await PersistIfDirtyAsync();
        // No more ticks will come: free the memory now instead of after the idle collection age.
        DeactivateOnIdle();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Wait for what is still on its way to the broker, so the watermark written covers it and a reactivation
        // elsewhere (rolling update) does not publish those ticks again.
        await published.SettleAsync(options.DeliveryWait);
        await PersistIfDirtyAsync();
    }

    private async Task OnPersistTimerAsync(CancellationToken cancellationToken)
    {
        if (state.State.Status == InstrumentStatus.Active && HasExpired())
        {
            SetStatus(InstrumentStatus.Expired, NowMs());
            await PersistIfDirtyAsync();
            await NotifyRegistryAsync(InstrumentStatus.Expired);
            LogExpired(logger, name.Raw);
            DeactivateOnIdle();
            return;
        }

        await PersistIfDirtyAsync();
    }

    private async Task PersistIfDirtyAsync()
    {
        published.Advance();
        if (state.State.PublishedThroughTimestamp != published.Through)
        {
            state.State.PublishedThroughTimestamp = published.Through;
            dirty = true;
        }

        if (!dirty)
        {
            return;
        }

        try
        {
            // The grain is not reentrant, so no tick can slip in between the write and clearing the flag; a failed
            // write leaves the grain dirty and the next timer tick retries.
            await state.WriteStateAsync();
            dirty = false;
        }
        catch (Exception ex)
        {
            LogPersistFailed(logger, ex, name.Raw);
        }
    }

    private async Task NotifyRegistryAsync(InstrumentStatus status)
    {
        try
        {
            await GrainFactory.GetGrain<IInstrumentRegistryGrain>(IInstrumentRegistryGrain.Key).SetStatusAsync([name.Raw], status);
        }
        catch (Exception ex)
        {
            LogRegistryFailed(logger, ex, name.Raw);
        }
    }

    private void SetStatus(InstrumentStatus status, long atMs)
    {
        state.State.Status = status;
        state.State.StatusChangedAtMs = atMs;
        dirty = true;
    }

    private bool HasExpired()
    {
        var expiresAt = state.State.Info?.ExpirationTimestamp is { } ms and < PerpetualExpiryMs
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : name.ExpiresAt;
        return expiresAt is { } at && at <= timeProvider.GetUtcNow();
    }

    private long NowMs() => timeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    // Deribit lists perpetuals with an expiration in the year 3000.
    private const long PerpetualExpiryMs = 32_503_680_000_000L;

    [LoggerMessage(Level = LogLevel.Information, Message = "Instrument {Instrument} expired; state saved, grain deactivating")]
    private static partial void LogExpired(ILogger logger, string instrument);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Saving the state of instrument {Instrument} failed; retrying on the next timer tick")]
    private static partial void LogPersistFailed(ILogger logger, Exception exception, string instrument);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell the registry that {Instrument} expired")]
    private static partial void LogRegistryFailed(ILogger logger, Exception exception, string instrument);
}
