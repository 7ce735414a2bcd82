using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace Laevitas.Bench.EndToEnd;

/// <summary>
/// <c>results.png</c>, four panels against the load the simulator actually sent (x logarithmic): landed throughput
/// with the baselines, their serial bound and the catch-up rate; tick-to-row latency; the silo's CPU per 1,000 ticks;
/// its memory. Each with its goal from issue 24 beside it. ScottPlot draws linear axes, so logarithmic values are
/// plotted as log10 with decade tick labels.
/// </summary>
internal static class ResultsPlot
{
    public static void Write(EndToEndResults results, string path)
    {
        var phases = results.FixedLoads.Concat(results.Overloads.Select(o => o.Phase)).Where(p => p.SentPerSecond > 0).ToList();
        var multiplot = new Multiplot(Throughput(results, phases));
        multiplot.AddPlot(Latency(phases));
        multiplot.AddPlot(CpuPerTick(phases));
        multiplot.AddPlot(Memory(results, phases));
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(2, 2);
        multiplot.SavePng(path, 1400, 1120);
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

        // One machine runs both stages, so the baselines alone bound the pipeline at 1 / (1/COPY + 1/Kafka).
        if (results.RawCopyRate is { } c && results.KafkaBaseline is { } k && c > 0 && k.MessagesPerSecond > 0)
        {
            var serial = 1 / ((1 / c) + (1 / k.MessagesPerSecond));
            Reference(plot, serial, $"serial bound of the baselines {serial:N0}/s (goal: sustained ≥ 90 % of it)", Colors.Navy);
        }

        Reference(plot, ResultsReport.GoalThroughput, $"goal sustained {ResultsReport.GoalThroughput:N0}/s", Colors.Red);
        if (results.Sustained is { } kept && results.Overloads.Count > 0)
        {
            var floor = Reference(plot, OverloadResult.GoalShare * kept.SentPerSecond, $"overload goal: ≥ {OverloadResult.GoalShare:P0} of the sustained rate", Colors.Magenta);
            floor.LinePattern = LinePattern.Dotted;
        }

        // Catch-up: rows landed per second while the backlog of an outage was worked off, at the live rate it ran under.
        if (results.CatchUp is { CaughtUp: not null } catchUp && results.Sustained is { } sustained)
        {
            var x = Math.Log10(catchUp.LiveRate);
            var landedMarker = plot.Add.Marker(x, catchUp.LandedPerSecond, MarkerShape.FilledDiamond, 14, Colors.Teal);
            landedMarker.LegendText = $"catch-up after a {catchUp.Outage.TotalSeconds:0} s outage: {catchUp.LandedPerSecond:N0} rows/s landed";
            var goal = catchUp.LiveRate + (0.8 * (sustained.SentPerSecond - catchUp.LiveRate));
            var goalMarker = plot.Add.Marker(x, goal, MarkerShape.OpenDiamond, 14, Colors.Teal);
            goalMarker.LegendText = $"catch-up goal: {goal:N0} rows/s (live + 0.8 × (sustained − live))";
        }

        LogTicks(plot.Axes.Bottom, xs);
        FromZero(plot);
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

    private static Plot CpuPerTick(List<LoadPhaseResult> phases)
    {
        var plot = new Plot();
        plot.Title("Silo CPU per 1,000 rows landed (median of the windows)");
        plot.XLabel("offered load: ticks/s sent by the simulator (log)");
        plot.YLabel("CPU milliseconds (log)");
        var measured = phases.Where(p => p.LandedPerSecond > 0 && p.SiloCpuMsPer1000 > 0).ToList();
        var xs = measured.Select(p => Math.Log10(p.SentPerSecond)).ToArray();
        var median = plot.Add.Scatter(xs, measured.Select(p => Math.Log10(p.SiloCpuMsPer1000)).ToArray());
        median.LegendText = "silo CPU per 1,000 rows";
        median.MarkerSize = 9;
        median.LineWidth = 2;
        var goal = plot.Add.HorizontalLine(Math.Log10(ResultsReport.GoalCpuMsPer1000));
        goal.LegendText = $"goal ≤ {ResultsReport.GoalCpuMsPer1000:0} ms at 50,000/s";
        goal.Color = Colors.Red;
        goal.LinePattern = LinePattern.Dashed;
        LogTicks(plot.Axes.Bottom, xs);
        var top = measured.Select(p => p.SiloCpuMsPer1000).DefaultIfEmpty(100).Max();
        LogTicks(plot.Axes.Left, [0, Math.Log10(Math.Max(100, top))], milliseconds: true);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    private static Plot Memory(EndToEndResults results, List<LoadPhaseResult> phases)
    {
        var plot = new Plot();
        plot.Title("Silo resident memory");
        plot.XLabel("offered load: ticks/s sent by the simulator (log)");
        plot.YLabel("MiB");
        var measured = phases.Where(p => p.SiloMaxRssBytes > 0).ToList();
        var xs = measured.Select(p => Math.Log10(p.SentPerSecond)).ToArray();
        var levels = plot.Add.Scatter(xs, measured.Select(p => Mib(p.SiloMaxRssBytes)).ToArray());
        levels.LegendText = "highest RSS sampled during the level";
        levels.MarkerSize = 9;
        levels.LineWidth = 2;
        if (results.SiloPeakRssBytes > 0)
        {
            Reference(plot, Mib(results.SiloPeakRssBytes), $"peak over the whole run (VmHWM) {Mib(results.SiloPeakRssBytes):N0} MiB", Colors.Purple);
        }

        Reference(plot, Mib(ResultsReport.GoalMemoryBytes), $"goal: peak ≤ {Mib(ResultsReport.GoalMemoryBytes):N0} MiB", Colors.Red);
        if (results.AfterLoad is { } after)
        {
            var given = Reference(plot, Mib(after.RssAfter), $"{after.Watched.TotalSeconds:0} s after the last load {Mib(after.RssAfter):N0} MiB", Colors.DarkGreen);
            given.LinePattern = LinePattern.Solid;
            var goal = Reference(plot, Mib(MemoryAfterLoad.GoalBytes), $"goal: under {Mib(MemoryAfterLoad.GoalBytes):N0} MiB within a minute of the load", Colors.Green);
            goal.LinePattern = LinePattern.Dotted;
        }

        LogTicks(plot.Axes.Bottom, xs);
        FromZero(plot);
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    /// <summary>
    /// The y axis from zero to the top of what is drawn. Limits with an open end (<c>SetLimitsY(0, NaN)</c>) are not
    /// valid limits to ScottPlot, which then autoscaled both ends at render and put the throughput axis's zero above a
    /// margin of −10,000.
    /// </summary>
    private static void FromZero(Plot plot)
    {
        plot.Axes.AutoScale();
        var top = plot.Axes.GetLimits().Top;
        plot.Axes.SetLimitsY(0, top > 0 ? top : 1);
    }

    private static double Mib(long bytes) => bytes / (double)(1 << 20);

    private static ScottPlot.Plottables.HorizontalLine Reference(Plot plot, double y, string label, Color color)
    {
        var line = plot.Add.HorizontalLine(y);
        line.LegendText = label;
        line.Color = color;
        line.LinePattern = LinePattern.Dashed;
        return line;
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
