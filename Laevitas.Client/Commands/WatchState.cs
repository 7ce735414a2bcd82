using Laevitas.Client.Output;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.Instruments;
using Spectre.Console;

namespace Laevitas.Client.Commands;

/// <summary>The rows of <c>watch</c>: latest views plus a ticks/s rate from consecutive refreshes.</summary>
internal sealed class WatchState(string[] instruments, TimeProvider time)
{
    private readonly InstrumentDetailView?[] views = new InstrumentDetailView?[instruments.Length];
    private readonly double?[] rates = new double?[instruments.Length];
    private readonly long[] lastCounts = new long[instruments.Length];
    private long lastSampleTimestamp;

    public Table BuildTable() => new Table().Border(TableBorder.Rounded)
        .AddColumn(new TableColumn("Instrument").NoWrap()).AddColumn(new TableColumn("Exchange time").NoWrap())
        .AddColumn(new TableColumn("Mark").RightAligned()).AddColumn(new TableColumn("Bid").RightAligned())
        .AddColumn(new TableColumn("Ask").RightAligned()).AddColumn(new TableColumn("Last").RightAligned())
        .AddColumn(new TableColumn("Mark IV").RightAligned()).AddColumn(new TableColumn("Underlying").RightAligned())
        .AddColumn(new TableColumn("Ticks").RightAligned()).AddColumn(new TableColumn("Ticks/s").RightAligned());

    public void Update(InstrumentSnapshot[] snapshots)
    {
        var now = time.GetTimestamp();
        var seconds = lastSampleTimestamp == 0 ? 0 : time.GetElapsedTime(lastSampleTimestamp, now).TotalSeconds;
        for (var i = 0; i < snapshots.Length; i++)
        {
            var known = InstrumentDetailView.IsKnown(snapshots[i]);
            views[i] = known ? InstrumentDetailView.From(snapshots[i]) : null;
            var ticks = snapshots[i].TicksSeen;
            rates[i] = seconds > 0 && known ? Math.Max(0, ticks - lastCounts[i]) / seconds : null;
            lastCounts[i] = ticks;
        }

        lastSampleTimestamp = now;
    }

    public void Fill(Table table)
    {
        table.Rows.Clear();
        for (var i = 0; i < instruments.Length; i++)
        {
            if (views[i] is not { } v)
            {
                table.AddRow(Markup.Escape(instruments[i]), "[yellow]not known to the cluster[/]", "", "", "", "", "", "", "", "");
                continue;
            }

            var t = v.Ticker;
            table.AddRow(
                Markup.Escape(v.InstrumentName),
                Fmt.Time(v.LastTickTime),
                Fmt.Number(Fmt.Field(t, "mark_price")),
                Fmt.Number(Fmt.Field(t, "best_bid_price")),
                Fmt.Number(Fmt.Field(t, "best_ask_price")),
                Fmt.Number(Fmt.Field(t, "last_price")),
                Fmt.Number(Fmt.Field(t, "mark_iv")),
                Fmt.Number(Fmt.Field(t, "underlying_price") ?? Fmt.Field(t, "index_price")),
                Fmt.Count(v.TicksSeen),
                Fmt.Rate(rates[i]));
        }

        table.Caption($"refreshed {Fmt.Time(time.GetUtcNow())} — Ctrl+C to stop");
    }
}
