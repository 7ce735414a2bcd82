using System.Diagnostics.Metrics;

namespace Laevitas.Diagnostics;

/// <summary>
/// The <c>Laevitas</c> meter of one host, and the only code that creates it. A component wraps its host's
/// <see cref="IMeterFactory"/> and creates its instruments from <see cref="LaevitasMetrics"/>; the factory hands every
/// wrapper of one host the same meter, and meters of different hosts in one process (tests) stay apart.
/// </summary>
public sealed class LaevitasMeter(IMeterFactory meterFactory)
{
    public Meter Meter { get; } = (meterFactory ?? throw new ArgumentNullException(nameof(meterFactory))).Create(LaevitasMetrics.MeterName);

    public ObservableCounter<long> ObserveCounter(LaevitasMetric metric, Func<long> observe) =>
        Meter.CreateObservableCounter(metric.Name, observe, metric.Unit, metric.Description);

    public ObservableCounter<double> ObserveCounter(LaevitasMetric metric, Func<double> observe) =>
        Meter.CreateObservableCounter(metric.Name, observe, metric.Unit, metric.Description);

    public ObservableGauge<long> ObserveGauge(LaevitasMetric metric, Func<long> observe) =>
        Meter.CreateObservableGauge(metric.Name, observe, metric.Unit, metric.Description);

    public ObservableGauge<int> ObserveGauge(LaevitasMetric metric, Func<int> observe) =>
        Meter.CreateObservableGauge(metric.Name, observe, metric.Unit, metric.Description);

    /// <summary>An observed counter whose one series carries <paramref name="tag"/> (e.g. the topic of one of two publishers).</summary>
    public ObservableCounter<long> ObserveCounter(LaevitasMetric metric, Func<long> observe, KeyValuePair<string, object?> tag) =>
        Meter.CreateObservableCounter(metric.Name, () => new Measurement<long>(observe(), tag), metric.Unit, metric.Description);

    /// <summary>An observed gauge whose one series carries <paramref name="tag"/>.</summary>
    public ObservableGauge<long> ObserveGauge(LaevitasMetric metric, Func<long> observe, KeyValuePair<string, object?> tag) =>
        Meter.CreateObservableGauge(metric.Name, () => new Measurement<long>(observe(), tag), metric.Unit, metric.Description);

    /// <summary>An observed counter of several series (one per tag value), read in one callback.</summary>
    public ObservableCounter<long> ObserveCounter(LaevitasMetric metric, Func<IEnumerable<Measurement<long>>> observe) =>
        Meter.CreateObservableCounter(metric.Name, observe, metric.Unit, metric.Description);

    public ObservableGauge<long> ObserveGauge(LaevitasMetric metric, Func<IEnumerable<Measurement<long>>> observe) =>
        Meter.CreateObservableGauge(metric.Name, observe, metric.Unit, metric.Description);

    public Counter<long> Counter(LaevitasMetric metric) =>
        Meter.CreateCounter<long>(metric.Name, metric.Unit, metric.Description);

    public Histogram<T> Histogram<T>(LaevitasMetric metric)
        where T : struct =>
        Meter.CreateHistogram<T>(metric.Name, metric.Unit, metric.Description);
}
