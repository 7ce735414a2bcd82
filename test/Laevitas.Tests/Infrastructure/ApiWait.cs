using Laevitas.Testing;
using Laevitas.Grains.Abstractions.Instruments;

namespace Laevitas.Tests.Infrastructure;

/// <summary>Conditions API and client tests wait on before comparing answers with grain state.</summary>
internal static class ApiWait
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>The registry lists every instrument of the simulator's universe.</summary>
    public static async Task<IReadOnlyList<InstrumentListing>> AllListedAsync(ApiEnvironment environment, SiloApiHost silo)
    {
        IReadOnlyList<InstrumentListing> listed = [];
        var registry = silo.Grains.GetGrain<IInstrumentRegistryGrain>(IInstrumentRegistryGrain.Key);
        await Eventually.TrueAsync(async () =>
            {
                listed = await registry.ListAsync(InstrumentQuery.All);
                var followed = silo.Feed.InstrumentsFollowed;
                return followed > 0 && listed.Count == followed;
            },
            Timeout, "the registry to list every instrument the feed follows",
            () => $"{listed.Count} listed, feed follows {silo.Feed.InstrumentsFollowed} of the simulator's {environment.Simulator.Universe.Active.Count}");
        return listed;
    }

    /// <summary>An instrument of the given kind whose grain has taken at least <paramref name="ticks"/> ticks.</summary>
    public static async Task<string> InstrumentWithTicksAsync(ApiEnvironment environment, SiloApiHost silo, InstrumentKind kind, long ticks = 2)
    {
        var listed = await AllListedAsync(environment, silo);
        var candidates = listed.Where(l => l.Kind == kind).Select(l => l.InstrumentName).ToList();
        Assert.NotEmpty(candidates);
        string? found = null;
        await Eventually.TrueAsync(async () =>
            {
                foreach (var name in candidates)
                {
                    if ((await silo.Grains.GetGrain<IInstrumentGrain>(name).GetSnapshotAsync()).TicksSeen >= ticks)
                    {
                        found = name;
                        return true;
                    }
                }

                return false;
            },
            Timeout, $"a {kind} instrument with {ticks} ticks");
        return found!;
    }
}
