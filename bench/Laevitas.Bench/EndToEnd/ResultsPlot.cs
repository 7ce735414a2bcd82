using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace Laevitas.Bench.EndToEnd;

/// <summary>
/// <c>results.png</c>: landed throughput (left) and tick-to-row latency (right) against the load the simulator
/// actually sent, both x axes logarithmic, latency on a logarithmic axis too (ScottPlot draws linear axes, so values
/// are plotted as log10 with decade tick labels).
/// </summary>
internal static class ResultsPlot
{
    public static void Write(EndToEndResults results, string path)
    {
        var phases = results.FixedLoads.Concat(results.Overloads.Select(o => o.Phase)).Where(p => p.SentPerSecond > 0).ToList();
        var multiplot = new Multiplot(Throughput(results, phases));
        multiplot.AddPlot(Latency(phases));
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        multiplot.SavePng(path, 1400, 560);
    }

    private static Plot Throughput(EndToEndResults results, List<LoadPhaseResult> phases)
    {
        var plot = new Plot();
        plot.Title($"Ticks/s landed in deribit_prices ({results.Settings.Instruments:N0} instruments)");
        plot.XLabel("offered load: ticks/s sent by the simulator (log)");
        plot.YLabel("rows/s committed");
        var xs = phases.Select(p => Math.Log10(p.SentPerSecond)).ToArray();
        var landed = plot.Add.Scatter(xs, phases.Select(p => p.LandedPerSecond).ToArray());
        landed.LegendText = "pipeline: landed";
        landed.MarkerSize = 9;
        landed.LineWidth = 2;

        // y = x is a curve on a logarithmic x axis: draw it from points.
        var low = Math.Log10(phases.Select(p => p.SentPerSecond).DefaultIfEmpty(1_000).Min());
        var high = Math.Log10(phases.Select(p => p.SentPerSecond).DefaultIfEmpty(1_000).Max());
        var curve = Enumerable.Range(0, 41).Select(i => low + ((high - low) * i / 40)).ToArray();
        var ideal = plot.Add.ScatterLine(curve, curve.Select(x => Math.Pow(10, x)).ToArray());
        ideal.LegendText = "landed = offered";
        ideal.LinePattern = LinePattern.Dotted;
        ideal.Color = Colors.Gray;

        if (results.RawCopyRate is { } copy)
        {
            Reference(plot, copy, $"raw COPY baseline {copy:N0}/s", Colors.DarkGreen);
        }

        if (results.KafkaBaseline is { } kafka)
        {
            Reference(plot, kafka.MessagesPerSecond, $"raw Kafka produce+consume {kafka.MessagesPerSecond:N0}/s", Colors.DarkOrange);
        }

        Reference(plot, 50_000, "goal 50,000/s", Colors.Red);
        LogTicks(plot.Axes.Bottom, xs);
        plot.Axes.SetLimitsY(0, double.NaN);
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    private static Plot Latency(List<LoadPhaseResult> phases)
    {
        var plot = new Plot();
        plot.Title("Tick-to-row latency (exchange timestamp → commit)");
        plot.XLabel("offered load: ticks/s sent by the simulator (log)");
        plot.YLabel("milliseconds (log)");
        var measured = phases.Where(p => p.Latency.Rows > 0).ToList();
        var xs = measured.Select(p => Math.Log10(p.SentPerSecond)).ToArray();
        foreach (var (label, pick, color) in new (string, Func<LatencyStats, double>, Color)[]
                 {
                     ("p50", l => l.P50Ms, Colors.Blue),
                     ("p99", l => l.P99Ms, Colors.Purple),
                     ("max", l => l.MaxMs, Colors.Gray),
                 })
        {
            var series = plot.Add.Scatter(xs, measured.Select(p => Math.Log10(Math.Max(1, pick(p.Latency)))).ToArray());
            series.LegendText = label;
            series.Color = color;
            series.MarkerSize = 8;
            series.LineWidth = 2;
        }

        var goal = plot.Add.HorizontalLine(Math.Log10(500));
        goal.LegendText = "goal p99 ≤ 500 ms (at 10,000/s)";
        goal.Color = Colors.Red;
        goal.LinePattern = LinePattern.Dashed;
        LogTicks(plot.Axes.Bottom, xs);
        var top = measured.Select(p => p.Latency.MaxMs).DefaultIfEmpty(1_000).Max();
        LogTicks(plot.Axes.Left, [0, Math.Log10(Math.Max(1_000, top))], milliseconds: true);
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    private static void Reference(Plot plot, double y, string label, Color color)
    {
        var line = plot.Add.HorizontalLine(y);
        line.LegendText = label;
        line.Color = color;
        line.LinePattern = LinePattern.Dashed;
    }

    /// <summary>Decade (1, 2, 5 ×10^n) tick labels for an axis whose values are log10 of the real ones.</summary>
    private static void LogTicks(ScottPlot.IAxis axis, double[] logValues, bool milliseconds = false)
    {
        if (logValues.Length == 0)
        {
            return;
        }

        var low = Math.Floor(logValues.Min());
        var high = Math.Ceiling(logValues.Max());
        var ticks = new NumericManual();
        for (var decade = low; decade <= high; decade++)
        {
            foreach (var step in new[] { 1, 2, 5 })
            {
                var value = step * Math.Pow(10, decade);
                var position = Math.Log10(value);
                if (position > high + 1e-9)
                {
                    break;
                }

                ticks.AddMajor(position, milliseconds ? FormatMs(value) : FormatCount(value));
            }
        }

        axis.TickGenerator = ticks;
        axis.Min = low - 0.05;
        axis.Max = high + 0.05;
    }

    private static string FormatCount(double value) => value switch
    {
        >= 1_000_000 => (value / 1_000_000).ToString("0.#", CultureInfo.InvariantCulture) + "M",
        >= 1_000 => (value / 1_000).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        _ => value.ToString("0.#", CultureInfo.InvariantCulture),
    };

    private static string FormatMs(double value) => value >= 1_000
        ? (value / 1_000).ToString("0.#", CultureInfo.InvariantCulture) + " s"
        : value.ToString("0.#", CultureInfo.InvariantCulture) + " ms";
}
