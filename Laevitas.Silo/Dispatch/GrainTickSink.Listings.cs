using Laevitas.Grains.Abstractions.Instruments;

namespace Laevitas.Silo.Dispatch;

// The listing fan-out: listing changes go to the instrument grains and the registry, apart from the tick pump.
public sealed partial class GrainTickSink
{
    public void OnInstrumentsListed(IReadOnlyList<InstrumentInfo> instruments)
    {
        if (instruments.Count == 0)
        {
            return;
        }

        var copy = instruments.ToArray();
        _ = Task.Run(() => ApplyListingAsync(copy));
    }

    public void OnInstrumentsDelisted(IReadOnlyList<string> instrumentNames)
    {
        if (instrumentNames.Count == 0)
        {
            return;
        }

        var copy = instrumentNames.ToArray();
        _ = Task.Run(() => ApplyDelistingAsync(copy));
    }

    private async Task ApplyListingAsync(InstrumentInfo[] instruments)
    {
        var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        try
        {
            var listings = new InstrumentListing[instruments.Length];
            for (var i = 0; i < instruments.Length; i++)
            {
                listings[i] = InstrumentListing.From(instruments[i], now);
            }

            await grainFactory.GetGrain<IInstrumentRegistryGrain>(IInstrumentRegistryGrain.Key).RegisterAsync(listings);
        }
        catch (Exception ex)
        {
            DispatchLog.RegistryFailed(logger, ex, instruments.Length);
        }

        await Parallel.ForEachAsync(
            instruments,
            new ParallelOptions { MaxDegreeOfParallelism = options.ListingConcurrency },
            async (info, _) =>
            {
                try
                {
                    await grainFactory.GetGrain<IInstrumentGrain>(info.InstrumentName).UpdateInfoAsync(info);
                }
                catch (Exception ex)
                {
                    if (failureLog.ShouldLog(out var suppressed))
                    {
                        DispatchLog.ListingFailed(logger, ex, info.InstrumentName, suppressed + 1);
                    }
                }
            });
        DispatchLog.Listed(logger, instruments.Length);
    }

    private async Task ApplyDelistingAsync(string[] names)
    {
        var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        try
        {
            await grainFactory.GetGrain<IInstrumentRegistryGrain>(IInstrumentRegistryGrain.Key).SetStatusAsync(names, InstrumentStatus.Delisted);
        }
        catch (Exception ex)
        {
            DispatchLog.RegistryFailed(logger, ex, names.Length);
        }

        await Parallel.ForEachAsync(
            names,
            new ParallelOptions { MaxDegreeOfParallelism = options.ListingConcurrency },
            async (name, _) =>
            {
                try
                {
                    await grainFactory.GetGrain<IInstrumentGrain>(name).MarkDelistedAsync(now);
                }
                catch (Exception ex)
                {
                    if (failureLog.ShouldLog(out var suppressed))
                    {
                        DispatchLog.ListingFailed(logger, ex, name, suppressed + 1);
                    }
                }

                // Forget the queue of an instrument that will not tick again, unless ticks are still on their way.
                if (queues.TryGetValue(name, out var queue))
                {
                    lock (queue)
                    {
                        if (!queue.Scheduled)
                        {
                            queues.TryRemove(new KeyValuePair<string, InstrumentQueue>(name, queue));
                        }
                    }
                }
            });
        DispatchLog.Delisted(logger, names.Length);
    }
}
