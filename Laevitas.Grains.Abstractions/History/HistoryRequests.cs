using System.Globalization;
using Laevitas.Grains.Abstractions.Api;

namespace Laevitas.Grains.Abstractions.History;

/// <summary>
/// Checks and converts the parameters of a history request (HTTP API and client alike). Times are exchange times, given
/// as ISO-8601 (<c>2024-12-27T08:00:00Z</c>; no offset means UTC) or Unix milliseconds.
/// </summary>
public static class HistoryRequests
{
    public const int DefaultLimit = 1_000;
    public const int MaxLimit = 10_000;

    /// <summary>Widest range one request may span; page through longer ones.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(31);

    /// <summary>Range used when <c>from</c> is left out: this long before <c>to</c>.</summary>
    public static readonly TimeSpan DefaultRange = TimeSpan.FromHours(1);

    // Deribit's data starts in 2016; a time before 2010 is almost always Unix seconds given where milliseconds belong.
    private static readonly DateTimeOffset Earliest = new(2010, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Latest = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The query, or null with the problems in <paramref name="errors"/>.</summary>
    public static PriceHistoryQuery? TryBuild(string? instrumentName, string? from, string? to, int? limit, DateTimeOffset now, RequestErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (InstrumentRequests.ValidateName(instrumentName) is { } nameError)
        {
            errors.Add("name", nameError);
        }

        var toTime = ParseTime("to", to, errors) ?? (string.IsNullOrWhiteSpace(to) ? now : (DateTimeOffset?)null);
        var fromTime = ParseTime("from", from, errors) ?? (string.IsNullOrWhiteSpace(from) ? toTime - DefaultRange : null);
        if (fromTime is { } f && toTime is { } t)
        {
            if (f >= t)
            {
                errors.Add("from", $"from ({Format(f)}) must be before to ({Format(t)}).");
            }
            else if (t - f > MaxRange)
            {
                errors.Add("to", $"The range {Format(f)} .. {Format(t)} spans {(t - f).TotalDays:0.#} days; at most {MaxRange.TotalDays:0} days per request (page with from/to).");
            }
        }

        if (limit is < 1 or > MaxLimit)
        {
            errors.Add("limit", $"limit must be between 1 and {MaxLimit} (was {limit}).");
        }

        if (!errors.IsEmpty)
        {
            return null;
        }

        return new PriceHistoryQuery
        {
            InstrumentName = instrumentName!,
            FromMs = fromTime!.Value.ToUnixTimeMilliseconds(),
            ToMs = toTime!.Value.ToUnixTimeMilliseconds(),
            Limit = limit ?? DefaultLimit,
        };
    }

    /// <summary>ISO-8601 or Unix milliseconds; null (and an error unless the text is empty) when it is neither.</summary>
    public static DateTimeOffset? ParseTime(string parameter, string? text, RequestErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var trimmed = text.Trim();
        DateTimeOffset time;
        if (trimmed.All(char.IsAsciiDigit))
        {
            if (trimmed.Length > 15 || !long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            {
                errors.Add(parameter, $"{parameter} '{trimmed}' is too large for Unix milliseconds.");
                return null;
            }

            time = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }
        else if (!DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time))
        {
            errors.Add(parameter, $"{parameter} '{InstrumentRequests.Printable(trimmed)}' is neither an ISO-8601 time (e.g. 2024-12-27T08:00:00Z) nor Unix milliseconds.");
            return null;
        }

        if (time < Earliest || time >= Latest)
        {
            var hint = trimmed.All(char.IsAsciiDigit) && time < Earliest ? " Unix times are in milliseconds, not seconds." : "";
            errors.Add(parameter, $"{parameter} {Format(time)} is outside 2010..2100.{hint}");
            return null;
        }

        return time;
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
