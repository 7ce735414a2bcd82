using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.History;
using Laevitas.Grains.Abstractions.Settlements;

namespace Laevitas.Grains.Abstractions.Indexes;

/// <summary>
/// Checks and converts the parameters of an index-history request (HTTP API and client alike): the index name as for
/// settlements, times and limits as for the ticker history (<see cref="HistoryRequests"/>).
/// </summary>
public static class IndexRequests
{
    /// <summary>The query, or null with the problems in <paramref name="errors"/>. Defaults: to = now, from = an hour before to.</summary>
    public static IndexHistoryQuery? TryBuild(string? indexName, string? kind, string? from, string? to, int? limit, DateTimeOffset now, RequestErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (SettlementRequests.ValidateIndexName(indexName) is { } nameError)
        {
            errors.Add("index", nameError);
        }

        IndexValueKind? kindValue = null;
        if (!string.IsNullOrWhiteSpace(kind))
        {
            kindValue = IndexValueKinds.Parse(kind.Trim());
            if (kindValue is null)
            {
                errors.Add("kind", $"kind '{InstrumentRequests.Printable(kind)}' is not one of price, volatility, estimated_expiration.");
            }
        }

        var toTime = HistoryRequests.ParseTime("to", to, errors) ?? (string.IsNullOrWhiteSpace(to) ? now : (DateTimeOffset?)null);
        var fromTime = HistoryRequests.ParseTime("from", from, errors) ?? (string.IsNullOrWhiteSpace(from) ? toTime - HistoryRequests.DefaultRange : null);
        if (fromTime is { } f && toTime is { } t)
        {
            if (f >= t)
            {
                errors.Add("from", "from must be before to.");
            }
            else if (t - f > HistoryRequests.MaxRange)
            {
                errors.Add("to", $"The range spans {(t - f).TotalDays:0.#} days; at most {HistoryRequests.MaxRange.TotalDays:0} days per request (page with from/to).");
            }
        }

        if (limit is < 1 or > HistoryRequests.MaxLimit)
        {
            errors.Add("limit", $"limit must be between 1 and {HistoryRequests.MaxLimit} (was {limit}).");
        }

        if (!errors.IsEmpty)
        {
            return null;
        }

        return new IndexHistoryQuery
        {
            IndexName = indexName!,
            FromMs = fromTime!.Value.ToUnixTimeMilliseconds(),
            ToMs = toTime!.Value.ToUnixTimeMilliseconds(),
            Limit = limit ?? HistoryRequests.DefaultLimit,
            Kind = kindValue,
        };
    }
}
