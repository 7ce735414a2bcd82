using Laevitas.Grains.Abstractions.Hosting;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Grains.Publishing;
using Laevitas.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace Laevitas.Grains.Instruments;

/// <summary>
/// One instrument: accepts each tick once, publishes the accepted ones, remembers the newest and counts them;
/// persists that on a timer (only when something changed) and on deactivation — never per tick.
/// </summary>
/// <remarks>
/// <para>
/// The accept rule (DESIGN invariant 8). Every running feed delivers every tick, so the grain sees each one once per
/// feed, in no guaranteed order across feeds. It accepts each exchange timestamp once (<see cref="AcceptWindow"/>:
/// the timestamps accepted within <see cref="InstrumentGrainOptions.AcceptHorizon"/> of the newest), so each tick is
/// published once, and its state is the newest ticker, not the last received. What it does not accept is counted
/// (<see cref="InstrumentAcceptStatus"/>, per instrument in the snapshot), never logged.
/// </para>
/// <para>
/// Reactivation. The grain persists its accept window — the floor and the accepted timestamps above it — leaving out
/// every timestamp whose publish has not completed (broker acknowledgement or spool), and keeping the floor below
/// them. A reactivated grain restores that window. So a tick accepted but still in the producer's memory when the
/// silo dies is not in the persisted window: the other feed's copy, retried to the new activation, is accepted and
/// published. The other way round, ticks accepted and made durable after the last write (at most one persistence
/// interval) are not in it either, so after a crash their copies are published a second time; the writer's unique
/// key stores them once (invariant 2). A clean deactivation (rolling update, idle collection) first waits, bounded by
/// <see cref="InstrumentGrainOptions.DeliveryWait"/>, for the outstanding publishes and writes the window, so it
/// republishes nothing. Never a drop within the horizon, a bounded republish only after a crash: that is the rule.
/// </para>
/// <para>
/// The database is not on the ingest path. The state is read by the grain itself (<see cref="DeferredGrainState{TState}"/>),
/// bounded by <see cref="InstrumentGrainOptions.StateReadTimeout"/>: when the read fails the grain starts empty, takes
/// ticks (accepting more than it would with its window, never fewer), and merges the stored state in on a later timer
/// tick. The timer only starts that read and the state writes, and takes in their outcome when it comes: a database that
/// stops answering holds none of the grain's ticks (<see cref="InstrumentGrainOptions.StateWriteTimeout"/>). A write
/// refused because another activation wrote the row since (a duplicate activation during a membership
/// change) deactivates the grain, so that its next activation starts from the row instead of retrying a write that
/// can never succeed.
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

    private readonly IGrainStorage storage;
    private readonly ITickPublisher publisher;
    private readonly InstrumentGrainOptions options;
    private readonly TimeProvider timeProvider;
    private readonly SiloAddress localSilo;
    private readonly ILogger<InstrumentGrain> logger;
    private readonly InstrumentAcceptStatus acceptStatus;
    private readonly InstrumentStateStatus stateStatus;
    private DeferredGrainState<InstrumentState> state = null!;
    private ParsedInstrumentName name = null!;
    private AcceptWindow window = null!;
    private PublishedWatermark published = null!;
    private bool dirty;
    private bool conflicted;
    private bool slowWriteCounted;
    private Task? merging;

    public InstrumentGrain(
        [FromKeyedServices(ProviderNames.GrainStorage)] IGrainStorage storage,
        ITickPublisher publisher,
        IOptions<InstrumentGrainOptions> options,
        TimeProvider timeProvider,
        ILocalSiloDetails localSilo,
        InstrumentAcceptStatus acceptStatus,
        InstrumentStateStatus stateStatus,
        ILogger<InstrumentGrain> logger)
    {
        this.acceptStatus = acceptStatus;
        this.stateStatus = stateStatus;
        this.localSilo = localSilo.SiloAddress;
        this.storage = storage;
        this.publisher = publisher;
        this.options = options.Value;
        this.timeProvider = timeProvider;
        this.logger = logger;
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        name = InstrumentNameParser.Parse(this.GetPrimaryKeyString());
        state = new DeferredGrainState<InstrumentState>(storage, StateName, this.GetGrainId());
        var (stored, error) = await state.TryReadAsync(options.StateReadTimeout);
        if (stored is not null)
        {
            state.State = stored;
        }
        else
        {
            // Counted for every activation, logged once per interval for the silo (a database outage defers them all).
            if (stateStatus.AddReadDeferred(out var notLogged))
            {
                LogStateReadDeferred(logger, error!, name.Raw, notLogged, InstrumentStateStatus.FailureLogInterval);
            }
        }

        var s = state.State;
        window = new AcceptWindow(options.AcceptHorizon, options.AcceptCapacity,
            s.AcceptedRecently is null ? s.PublishedThroughTimestamp : s.AcceptFloor, TimestampSetCodec.Decode(s.AcceptedRecently));
        published = new PublishedWatermark(state.State.PublishedThroughTimestamp);
        var period = options.PersistInterval;
        // Spread the first write over one period so thousands of grains activated together do not write together.
        var due = TimeSpan.FromTicks(Random.Shared.NextInt64(period.Ticks / 2, period.Ticks + 1));
        this.RegisterGrainTimer(OnPersistTimerAsync, new GrainTimerCreationOptions(due, period) { KeepAlive = false });
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

        Task durable;
        try
        {
            durable = publisher.PublishAsync(ticks);
        }
        catch
        {
            // The window already holds these timestamps as accepted, so the dispatcher's retry would be taken for a
            // copy. A fresh activation restores the persisted window, which never holds a tick not yet durable.
            DeactivateOnIdle();
            throw;
        }

        var s = state.State;
        foreach (var tick in ticks)
        {
            if (IsPlausible(tick) && (s.LastTickTimestamp is not { } current || tick.Timestamp > current))
            {
                s.LastTickTimestamp = tick.Timestamp;
                s.LastTickPayload = tick.Payload;
            }
        }

        published.Add(Timestamps(ticks), durable);
        s.TicksSeen += ticks.Length;
        s.FirstSeenAtMs ??= ticks[0].ReceivedAtMs;
        s.LastSeenAtMs = ticks[^1].ReceivedAtMs;
        dirty = true;

        // Answer a dispatcher on another silo only once the ticks would survive this silo being killed (acknowledged by
        // the broker or spooled to disk): until then a failed call makes it send them again, so a crash loses none.
        // Bounded, and the publisher answers at once while the broker is slow or away: the ticks then wait in its
        // buffer and spool. A dispatcher on this silo gets its answer at once: killing the silo kills the dispatcher
        // and its queue too, so waiting would protect nothing, and it would hold one of the dispatcher's few call
        // slots for a whole broker round trip (it raised the p99 latency: bench/results.md, "Dispatch").
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
        int duplicates = 0, late = 0, tooOld = 0;
        for (var i = 0; i < ticks.Length; i++)
        {
            if (!IsPlausible(ticks[i]))
            {
                // Passed on untouched, from every feed: the writer judges it (skips or dead-letters it, counted). In
                // the window a timestamp years ahead would become the newest and every real tick would fall behind it.
                kept?.Add(ticks[i]);
                continue;
            }

            var decision = window.Offer(ticks[i].Timestamp);
            if (decision is AcceptDecision.Duplicate or AcceptDecision.TooOld)
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

                if (decision == AcceptDecision.Duplicate)
                {
                    duplicates++;
                }
                else
                {
                    tooOld++;
                }

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

        if (tooOld > 0)
        {
            state.State.TooOld += tooOld;
            acceptStatus.AddTooOld(tooOld);
            dirty = true;
        }

        return kept is null ? ticks : kept.ToArray();
    }

    public Task<InstrumentSnapshot> GetSnapshotAsync()
    {
        var s = state.State;
        var trades = SnapshotTrades();
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
            TradesSeen = trades.Seen,
            LastTradePayload = trades.LastPayload,
            LastTradeTimestamp = trades.LastTimestamp,
            TradeDuplicatesDropped = trades.Duplicates,
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
        await MergeStoredAsync();
        await PersistIfDirtyAsync();
        if (!state.Loaded && !conflicted)
        {
            // The ticks are on Kafka; what is lost is this activation's counters and accept window, so the next
            // activation may publish a copy of a tick this one published (stored once by the writer).
            LogStateNotSaved(logger, name.Raw);
        }
    }

    private async Task OnPersistTimerAsync(CancellationToken cancellationToken)
    {
        StartMergeStored();
        if (state.State.Status == InstrumentStatus.Active && HasExpired())
        {
            SetStatus(InstrumentStatus.Expired, NowMs());
            await PersistIfDirtyAsync();
            await NotifyRegistryAsync(InstrumentStatus.Expired);
            LogExpired(logger, name.Raw);
            DeactivateOnIdle();
            return;
        }

        StartPersistIfDirty();
    }

    /// <summary>
    /// An exchange timestamp within the accept horizon of when the feed read the tick. Real ticks are milliseconds
    /// apart from it; one that is not (negative, years ahead, a clock far off) is not used for the accept rule or the
    /// state. If the silo's clock itself were off by more than the horizon, every tick would be passed on from every
    /// feed: published more than once, stored once — never lost.
    /// </summary>
    private bool IsPlausible(RawTick tick) => Math.Abs(tick.Timestamp - tick.ReceivedAtMs) <= (long)options.AcceptHorizon.TotalMilliseconds;

    private static long[] Timestamps(RawTick[] ticks)
    {
        var timestamps = new long[ticks.Length];
        for (var i = 0; i < ticks.Length; i++)
        {
            timestamps[i] = ticks[i].Timestamp;
        }

        return timestamps;
    }

    /// <summary>
    /// When the activation started without its stored state, starts reading it again, and does not wait for the
    /// database (a grain waiting for it would hold its ticks, as with a write). Once read, the stored state is taken
    /// in: counters, newest ticker, and the accepted timestamps, whose copies are dropped from then on. One read at a
    /// time.
    /// </summary>
    private void StartMergeStored()
    {
        if (state.Loaded || conflicted || merging is { IsCompleted: false })
        {
            return;
        }

        // No timeout of its own: the read is not waited for, and ending it early would let the next timer tick start
        // another while it still holds a connection.
        merging = state.TryReadAsync(Timeout.InfiniteTimeSpan, Absorb);
    }

    /// <summary>
    /// <see cref="StartMergeStored"/>, waiting for the read at most <see cref="InstrumentGrainOptions.StateReadTimeout"/>:
    /// on deactivation, so that what is written last holds the stored counters too.
    /// </summary>
    private async Task MergeStoredAsync()
    {
        StartMergeStored();
        if (merging is { IsCompleted: false } read)
        {
            await read.WaitAsync(options.StateReadTimeout).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void Absorb(InstrumentState stored)
    {
        state.State.Absorb(stored);
        window.Remember(stored.AcceptedRecently is null ? [] : TimestampSetCodec.Decode(stored.AcceptedRecently));
        published.Raise(stored.PublishedThroughTimestamp);
        dirty = true;
        LogStateMerged(logger, name.Raw);
    }

    /// <summary>
    /// Persists and waits for it, at most <see cref="InstrumentGrainOptions.StateWriteTimeout"/> for a write still in
    /// flight and as long again for this one: where what follows needs the state stored (deactivation, expiry).
    /// </summary>
    private async Task PersistIfDirtyAsync()
    {
        if (!await state.WaitForWriteAsync(options.StateWriteTimeout))
        {
            return;
        }

        StartPersistIfDirty();
        await state.WaitForWriteAsync(options.StateWriteTimeout);
    }

    /// <summary>
    /// Starts writing the state if it changed, and does not wait for the database: the grain is not reentrant, so a
    /// write it waited for would hold every tick sent to it, and with them the dispatcher's call slots, for as long as
    /// a database that stopped answering stays silent. The write is of a snapshot; the flag is cleared as it starts
    /// and set again if it fails, and any change meanwhile sets it too. One write at a time: a timer tick that finds
    /// the last one still going on leaves the state dirty for the next.
    /// </summary>
    private void StartPersistIfDirty()
    {
        if (!state.Loaded || conflicted)
        {
            // Not before the stored state has been read: the write would replace it unseen (it stays dirty).
            return;
        }

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

        if (state.WriteInFlightFor is { } inFlight)
        {
            // Counted once per write, as a failed save, when it has gone on past the timeout.
            if (inFlight > options.StateWriteTimeout && !slowWriteCounted)
            {
                slowWriteCounted = true;
                ReportWriteFailure(new TimeoutException(
                    $"The state write has not ended within {options.StateWriteTimeout} (Instruments:StateWriteTimeout); the grain takes ticks meanwhile and writes again once it has."));
            }

            return;
        }

        SaveWindow();
        dirty = false;
        slowWriteCounted = false;
        _ = ObserveWriteAsync(state.StartWrite(state.State.Snapshot()));
    }

    /// <summary>The end of a write started by <see cref="StartPersistIfDirty"/>, in the grain's context.</summary>
    private async Task ObserveWriteAsync(Task write)
    {
        try
        {
            await write;
        }
        catch (InconsistentStateException ex)
        {
            // Retrying with the version this activation holds can never succeed. Its ticks are on their way to Kafka;
            // the next activation starts from the row as the other activation left it.
            dirty = true;
            conflicted = true;
            stateStatus.AddConflict();
            LogStateConflict(logger, ex, name.Raw);
            DeactivateOnIdle();
        }
        catch (Exception ex)
        {
            // The next timer tick retries.
            dirty = true;
            if (!slowWriteCounted)
            {
                ReportWriteFailure(ex);
            }
        }
    }

    /// <summary>Counted for every grain, logged once per interval for the silo: an outage fails every grain's write.</summary>
    private void ReportWriteFailure(Exception ex)
    {
        if (stateStatus.AddWriteFailure(out var notLogged))
        {
            LogPersistFailed(logger, ex, name.Raw, notLogged, InstrumentStateStatus.FailureLogInterval);
        }
    }

    /// <summary>The accept window as it may be restored after a crash: only durable timestamps, the floor below the rest.</summary>
    private void SaveWindow()
    {
        var (notDurable, oldestNotDurable) = published.NotDurable();
        var floor = window.Floor;
        if (oldestNotDurable is { } oldest && floor is { } f && f >= oldest)
        {
            // An eviction raised the floor past a tick still on its way to the broker: keep that tick acceptable.
            floor = oldest - 1;
        }

        state.State.AcceptFloor = floor;
        state.State.AcceptedRecently = TimestampSetCodec.Encode(window.Remembered(notDurable.Count == 0 ? null : notDurable));
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

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Instrument {Instrument} expired; state saved, grain deactivating")]
    private static partial void LogExpired(ILogger logger, string instrument);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Saving the state of instrument {Instrument} failed; each instrument retries on its next timer tick. " +
        "{NotLogged} other failed saves on this silo since the last report (one report per {Interval}; all counted in laevitas_instrument_state_write_failures_total)")]
    private static partial void LogPersistFailed(ILogger logger, Exception exception, string instrument, long notLogged, TimeSpan interval);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Instrument {Instrument} activated without its stored state (reading it failed or timed out); it takes ticks and merges the state once it can be read. " +
        "{NotLogged} other activations on this silo did the same since the last report (one report per {Interval}; all counted in laevitas_instrument_state_reads_deferred_total)")]
    private static partial void LogStateReadDeferred(ILogger logger, Exception exception, string instrument, long notLogged, TimeSpan interval);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Instrument {Instrument} read its stored state late and merged it")]
    private static partial void LogStateMerged(ILogger logger, string instrument);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Instrument {Instrument} deactivated without its state ever read: its counters since activation are not saved (its ticks are)")]
    private static partial void LogStateNotSaved(ILogger logger, string instrument);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "The state of instrument {Instrument} was written by another activation since it was read; deactivating so the next activation reads it")]
    private static partial void LogStateConflict(ILogger logger, Exception exception, string instrument);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "Could not tell the registry that {Instrument} expired")]
    private static partial void LogRegistryFailed(ILogger logger, Exception exception, string instrument);
}
