using Laevitas.Grains.Abstractions.Hosting;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Grains.Publishing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Laevitas.Grains.Instruments;

/// <summary>
/// One instrument: publishes its ticks, remembers the latest one and counts them; persists that on a timer
/// (only when something changed) and on deactivation — never per tick.
/// </summary>
/// <remarks>
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
    private ParsedInstrumentName name = null!;
    private bool dirty;

    public InstrumentGrain(
        [PersistentState(StateName, ProviderNames.GrainStorage)] IPersistentState<InstrumentState> state,
        ITickPublisher publisher,
        IOptions<InstrumentGrainOptions> options,
        TimeProvider timeProvider,
        ILocalSiloDetails localSilo,
        ILogger<InstrumentGrain> logger)
    {
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
        var period = options.PersistInterval;
        // Spread the first write over one period so thousands of grains activated together do not write together.
        var due = TimeSpan.FromTicks(Random.Shared.NextInt64(period.Ticks / 2, period.Ticks + 1));
        this.RegisterGrainTimer(OnPersistTimerAsync, new GrainTimerCreationOptions(due, period) { KeepAlive = false });
        return Task.CompletedTask;
    }

    public async Task ReceiveTicksAsync(TickBatch batch)
    {
        var ticks = batch.Ticks;
        if (ticks.Length == 0)
        {
            return;
        }

        var durable = publisher.PublishAsync(ticks);
        var s = state.State;
        var last = ticks[^1];
        s.TicksSeen += ticks.Length;
        s.FirstSeenAtMs ??= ticks[0].ReceivedAtMs;
        s.LastSeenAtMs = last.ReceivedAtMs;
        s.LastTickTimestamp = last.Timestamp;
        s.LastTickPayload = last.Payload;
        dirty = true;

        // Answer a dispatcher on another silo only once the ticks would survive this silo being killed (acknowledged by
        // the broker or spooled to disk): until then a failed call makes it send them again, so a crash loses none.
        // Bounded, and the publisher answers at once while the broker is slow or away: the ticks then wait in its
        // buffer and spool. A dispatcher on this silo gets its answer at once: killing the silo kills the dispatcher
        // and its queue too, so waiting would protect nothing, and it would hold one of the dispatcher's few call
        // slots for a whole broker round trip (./bench.sh: p99 1.2-1.5 s at 10,000 ticks/s when it did, 0.3 s since).
        if (!durable.IsCompleted && options.DeliveryWait > TimeSpan.Zero && !localSilo.Equals(batch.Sender))
        {
            try
            {
                await durable.WaitAsync(options.DeliveryWait);
            }
            catch (TimeoutException)
            {
                // Still queued in the producer; delivered when the broker answers.
            }
        }
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
