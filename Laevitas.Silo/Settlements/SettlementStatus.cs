using System.Globalization;

namespace Laevitas.Silo.Settlements;

/// <summary>What this silo's backfill last did, for <c>/api/stats</c>: the newest stored date per index, the last pass, the last error.</summary>
public sealed class SettlementStatus
{
    private readonly Lock gate = new();
    private Dictionary<string, string> newest = new(StringComparer.Ordinal);
    private DateTimeOffset? lastPassAt;
    private string? lastError;
    private DateTimeOffset? lastErrorAt;

    public void RecordPass(SettlementPassResult result, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(result);
        lock (gate)
        {
            var next = new Dictionary<string, string>(newest, StringComparer.Ordinal);
            foreach (var (index, date) in result.NewestStored)
            {
                if (date is { } d)
                {
                    next[index] = d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                }
            }

            newest = next;
            lastPassAt = at;
            if (result.Failures.Count > 0)
            {
                var (index, reason) = result.Failures.First();
                lastError = $"{index}: {reason}";
                lastErrorAt = at;
            }
        }
    }

    public void RecordFailure(string error, DateTimeOffset at)
    {
        lock (gate)
        {
            lastError = error;
            lastErrorAt = at;
        }
    }

    /// <summary>Index → newest stored delivery date (yyyy-MM-dd), when the last pass ended, and the last error.</summary>
    public (Dictionary<string, string> Newest, DateTimeOffset? LastPassAt, string? LastError, DateTimeOffset? LastErrorAt) Snapshot()
    {
        lock (gate)
        {
            return (new Dictionary<string, string>(newest, StringComparer.Ordinal), lastPassAt, lastError, lastErrorAt);
        }
    }
}
