using Laevitas.Grains.Abstractions.Hosting;
using Laevitas.Grains.Abstractions.Instruments;
using Microsoft.Extensions.Logging;

namespace Laevitas.Grains.Instruments;

/// <summary>
/// The followed instruments, in one activation. Changed only by listings, delistings and expiries (a few times
/// a day per instrument), so one grain serves thousands of instruments; queries scan the in-memory map.
/// Changes are saved a few seconds later in one write, so a listing of thousands costs one row update.
/// </summary>
/// <remarks>State named after the grain type, like <see cref="InstrumentGrain"/>: see there why.</remarks>
[GrainType(GrainTypeName)]
public sealed partial class InstrumentRegistryGrain : Grain, IInstrumentRegistryGrain
{
    public const string GrainTypeName = "instrument-registry";
    public const string StateName = GrainTypeName;

    private static readonly TimeSpan SaveDelay = TimeSpan.FromSeconds(2);

    private readonly IPersistentState<InstrumentRegistryState> state;
    private readonly ILogger<InstrumentRegistryGrain> logger;
    private bool dirty;

    public InstrumentRegistryGrain(
        [PersistentState(StateName, ProviderNames.GrainStorage)] IPersistentState<InstrumentRegistryState> state,
        ILogger<InstrumentRegistryGrain> logger)
    {
        this.state = state;
        this.logger = logger;
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(SaveIfDirtyAsync, new GrainTimerCreationOptions(SaveDelay, SaveDelay) { KeepAlive = false });
        return Task.CompletedTask;
    }

    public Task RegisterAsync(IReadOnlyList<InstrumentListing> listings)
    {
        var map = state.State.Listings;
        foreach (var listing in listings)
        {
            if (map.TryGetValue(listing.InstrumentName, out var known))
            {
                var refreshed = listing with { ListedAtMs = known.ListedAtMs };
                if (refreshed != known)
                {
                    map[listing.InstrumentName] = refreshed;
                    dirty = true;
                }
            }
            else
            {
                map.Add(listing.InstrumentName, listing);
                dirty = true;
            }
        }

        return Task.CompletedTask;
    }

    public Task SetStatusAsync(IReadOnlyList<string> instrumentNames, InstrumentStatus status)
    {
        var map = state.State.Listings;
        foreach (var name in instrumentNames)
        {
            if (map.TryGetValue(name, out var known) && known.Status != status)
            {
                map[name] = known with { Status = status };
                dirty = true;
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<InstrumentListing>> ListAsync(InstrumentQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var result = new List<InstrumentListing>();
        foreach (var listing in state.State.Listings.Values)
        {
            if (query.Matches(listing))
            {
                result.Add(listing);
            }
        }

        result.Sort(static (a, b) => string.CompareOrdinal(a.InstrumentName, b.InstrumentName));
        if (result.Count > query.Limit)
        {
            result.RemoveRange(query.Limit, result.Count - query.Limit);
        }

        return Task.FromResult<IReadOnlyList<InstrumentListing>>(result);
    }

    public Task<int> CountAsync() => Task.FromResult(state.State.Listings.Count);

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        SaveIfDirtyAsync(cancellationToken);

    private async Task SaveIfDirtyAsync(CancellationToken cancellationToken)
    {
        if (!dirty)
        {
            return;
        }

        try
        {
            await state.WriteStateAsync(cancellationToken);
            dirty = false;
        }
        catch (Exception ex)
        {
            LogSaveFailed(logger, ex, state.State.Listings.Count);
        }
    }

    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning, Message = "Saving the instrument registry ({Count} instruments) failed; retrying shortly")]
    private static partial void LogSaveFailed(ILogger logger, Exception exception, int count);
}
