using System.Diagnostics.Metrics;
using Laevitas.Diagnostics;

namespace Laevitas.Tests.Infrastructure;

/// <summary>
/// Reads the "Laevitas" instruments of one host. The test process runs many hosts at once, and a Prometheus scrape
/// cannot tell them apart: the exporter subscribes to meters by name, so an untagged observable counter that two live
/// hosts register reads whichever host's callback ran last. Each host's meters come from its own
/// <see cref="IMeterFactory"/>, which .NET records as <see cref="Meter.Scope"/>; this listener takes only those.
/// </summary>
internal sealed class HostMeterReader : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly Dictionary<string, double> observed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> counted = new(StringComparer.Ordinal);

    public HostMeterReader(IMeterFactory hostMeters)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == LaevitasMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, hostMeters))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Record(instrument, value));
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => Record(instrument, value));
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => Record(instrument, value));
        listener.Start();
    }

    /// <summary>
    /// Each instrument's value now, summed over its tags: an observable instrument's latest observation, a counter's
    /// increments since this reader started.
    /// </summary>
    public Dictionary<string, double> Collect()
    {
        lock (observed)
        {
            observed.Clear();
        }

        listener.RecordObservableInstruments();
        lock (observed)
        {
            var values = new Dictionary<string, double>(counted, StringComparer.Ordinal);
            foreach (var (name, value) in observed)
            {
                values[name] = value;
            }

            return values;
        }
    }

    public void Dispose() => listener.Dispose();

    private void Record(Instrument instrument, double value)
    {
        lock (observed)
        {
            var into = instrument.IsObservable ? observed : counted;
            into[instrument.Name] = into.GetValueOrDefault(instrument.Name) + value;
        }
    }
}
