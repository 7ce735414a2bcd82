using System.Diagnostics.Metrics;

namespace Laevitas.Silo.Feed;

/// <summary>
/// Exposes <see cref="FeedStatus"/> through the shared "Laevitas" meter. Everything is observable (read when a
/// listener collects), so the tick path pays only the interlocked increment it already does for the status.
/// </summary>
public sealed class FeedMetrics
{
    public const string MeterName = "Laevitas";

    public FeedMetrics(IMeterFactory meterFactory, FeedStatus status)
    {
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableCounter("laevitas.feed.ticks", () => status.TicksReceived, "{tick}", "Ticker notifications received from Deribit");
        meter.CreateObservableCounter("laevitas.feed.parse_errors", () => status.ParseErrors, "{message}", "Messages the feed could not use (malformed, unknown, oversized)");
        meter.CreateObservableCounter("laevitas.feed.reconnects", () => status.Reconnects, "{reconnect}", "Connections lost and re-established");
        meter.CreateObservableCounter("laevitas.feed.rate_limited", () => status.RateLimited, "{error}", "Error 10028 too_many_requests answers");
        meter.CreateObservableCounter("laevitas.feed.sink_errors", () => status.SinkErrors, "{tick}", "Ticks the sink threw on");
        meter.CreateObservableCounter("laevitas.feed.test_requests", () => status.TestRequestsAnswered, "{request}", "Heartbeat test_requests answered with public/test");
        meter.CreateObservableCounter("laevitas.feed.circuit_openings", () => status.CircuitOpenings, "{opening}", "Times the endpoint circuit breaker opened");
        meter.CreateObservableGauge("laevitas.feed.connections", () => status.ConnectionsOpen, "{connection}", "Open ticker connections");
        meter.CreateObservableGauge("laevitas.feed.channels", () => status.ChannelsSubscribed, "{channel}", "Channels confirmed by the exchange");
        meter.CreateObservableGauge("laevitas.feed.instruments", () => status.InstrumentsFollowed, "{instrument}", "Instruments the feed follows");
        meter.CreateObservableGauge("laevitas.feed.circuit_state", () => (int)status.CircuitState, null, "Circuit breaker: 0 closed, 1 half-open, 2 open");
    }
}
