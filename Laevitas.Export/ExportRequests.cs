using System.Globalization;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.History;

namespace Laevitas.Export;

/// <summary>Reads an export's parameters the same way for the client and the HTTP API; says what is wrong otherwise.</summary>
public static class ExportRequests
{
    /// <summary>
    /// A table (<c>prices</c>, <c>trades</c>), a format (<c>csv</c>, <c>parquet</c>) and either a UTC <paramref name="day"/>
    /// (<c>2026-12-01</c>) or a range <paramref name="from"/> (inclusive) .. <paramref name="to"/> (exclusive), ISO-8601
    /// or Unix ms. No limit on the range's length: the rows are streamed, never held.
    /// </summary>
    public static ExportRequest? TryBuild(string? table, string? format, string? day, string? from, string? to, RequestErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var exportTable = ExportTable.Find(table);
        if (exportTable is null)
        {
            errors.Add("table", $"table '{InstrumentRequests.Printable(table ?? "")}' is not one of: {string.Join(", ", ExportTable.All.Select(t => t.Name))}.");
        }

        var exportFormat = ExportFormats.Find(format ?? "csv");
        if (exportFormat is null)
        {
            errors.Add("format", $"format '{InstrumentRequests.Printable(format ?? "")}' is not one of: csv, parquet.");
        }

        var range = string.IsNullOrWhiteSpace(day) ? Range(from, to, errors) : Day(day, from, to, errors);
        return errors.IsEmpty ? new ExportRequest(exportTable!, exportFormat!.Value, range!.Value.From, range.Value.To) : null;
    }

    private static (long From, long To)? Day(string day, string? from, string? to, RequestErrors errors)
    {
        if (!string.IsNullOrWhiteSpace(from) || !string.IsNullOrWhiteSpace(to))
        {
            errors.Add("day", "day and from/to exclude each other: give a day, or a range.");
            return null;
        }

        if (!DateOnly.TryParseExact(day.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            errors.Add("day", $"day '{InstrumentRequests.Printable(day.Trim())}' is not a date like 2026-12-01 (a UTC day).");
            return null;
        }

        var start = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        return (start.ToUnixTimeMilliseconds(), start.AddDays(1).ToUnixTimeMilliseconds());
    }

    private static (long From, long To)? Range(string? from, string? to, RequestErrors errors)
    {
        if (string.IsNullOrWhiteSpace(from) || string.IsNullOrWhiteSpace(to))
        {
            errors.Add(string.IsNullOrWhiteSpace(from) ? "from" : "to", "give a day (2026-12-01) or both from and to (ISO-8601 or Unix ms).");
            return null;
        }

        var fromTime = HistoryRequests.ParseTime("from", from, errors);
        var toTime = HistoryRequests.ParseTime("to", to, errors);
        if (fromTime is null || toTime is null)
        {
            return null;
        }

        if (toTime <= fromTime)
        {
            errors.Add("to", $"to must be after from (from {from.Trim()}, to {to.Trim()}): the range is reversed or empty.");
            return null;
        }

        return (fromTime.Value.ToUnixTimeMilliseconds(), toTime.Value.ToUnixTimeMilliseconds());
    }
}
