using Laevitas.Diagnostics;
using System.Diagnostics.Metrics;

namespace Laevitas.Feed;

/// <summary>
/// Exposes <see cref="FeedStatus"/> through the shared "Laevitas" meter. Everything is observable (read when a
/// listener collects), so the tick path pays only the interlocked increment it already does for the status.
/// </summary>
public sealed class FeedMetrics
{
    public FeedMetrics(IMeterFactory meterFactory, FeedStatus status)
    {
        var meter = new LaevitasMeter(meterFactory);
        meter.ObserveCounter(LaevitasMetrics.FeedTicks, () => status.TicksReceived);
        meter.ObserveCounter(LaevitasMetrics.FeedTrades, () => status.TradesReceived);
        meter.ObserveCounter(LaevitasMetrics.FeedParseErrors, () => status.ParseErrors);
        meter.ObserveCounter(LaevitasMetrics.FeedReconnects, () => status.Reconnects);
        meter.ObserveCounter(LaevitasMetrics.FeedRateLimited, () => status.RateLimited);
        meter.ObserveCounter(LaevitasMetrics.FeedSinkErrors, () => status.SinkErrors);
        meter.ObserveCounter(LaevitasMetrics.FeedTestRequests, () => status.TestRequestsAnswered);
        meter.ObserveCounter(LaevitasMetrics.FeedCircuitOpenings, () => status.CircuitOpenings);
        meter.ObserveCounter(LaevitasMetrics.FeedListingEvents, () => ListingStates.All
            .Select(state => new Measurement<long>(status.ListingEvents(state), new KeyValuePair<string, object?>("state", state.Name()))));

        meter.ObserveGauge(LaevitasMetrics.FeedConnections, () => status.ConnectionsOpen);
        meter.ObserveGauge(LaevitasMetrics.FeedChannels, () => status.ChannelsSubscribed);
        meter.ObserveGauge(LaevitasMetrics.FeedInstruments, () => status.InstrumentsFollowed);
        meter.ObserveGauge(LaevitasMetrics.FeedCircuitState, () => (int)status.CircuitState);
    }
}
