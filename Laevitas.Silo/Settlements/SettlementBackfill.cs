using Laevitas.Feed.Settlements;
using Laevitas.Grains.Abstractions.Settlements;
using Laevitas.Grains.Settlements;
using Microsoft.Extensions.Logging;

namespace Laevitas.Silo.Settlements;

/// <summary>
/// One backfill pass: a session to the exchange, then per index the dates newer than the newest stored one (and the
/// page that reaches it, for corrections) fetched with <c>public/get_delivery_prices</c> and upserted. An index that
/// fails does not stop the others; the pass reports it and the caller retries.
/// </summary>
public sealed class SettlementBackfill(DeliveryPriceClient client, DeliveryPricesStore store, SettlementMetrics metrics, ILogger<SettlementBackfill> logger)
{
    public string Endpoint => client.Endpoint;

    /// <exception cref="DeliveryPriceFetchException">The exchange could not be reached at all.</exception>
    public async Task<SettlementPassResult> RunAsync(IReadOnlyList<string> indexes, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(indexes);
        var newest = new Dictionary<string, DateOnly?>(StringComparer.Ordinal);
        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        int inserted = 0, updated = 0, calls = 0;
        await using var connection = await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var index in indexes)
            {
                try
                {
                    var stored = await store.LatestDateAsync(index, cancellationToken).ConfigureAwait(false);
                    var fetched = await connection.FetchSinceAsync(index, stored, pageSize, cancellationToken).ConfigureAwait(false);
                    var rows = fetched.Select(p => new SettlementRow { IndexName = index, Date = p.Date, DeliveryPrice = p.Price }).ToArray();
                    var (added, changed) = await store.UpsertAsync(index, rows, cancellationToken).ConfigureAwait(false);
                    metrics.Stored(added, changed);
                    inserted += added;
                    updated += changed;
                    DateOnly? latest = rows.Length == 0 ? stored : rows.Max(r => r.Date);
                    if (stored is { } s && latest < s)
                    {
                        latest = s;
                    }

                    newest[index] = latest;
                    if (added + changed > 0)
                    {
                        SettlementLog.Stored(logger, index, added, changed, latest);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    failures[index] = ex.Message;
                    SettlementLog.IndexFailed(logger, index, ex.Message);
                }
            }
        }
        finally
        {
            calls = connection.Calls;
            metrics.Called(calls);
        }

        return new SettlementPassResult(newest, failures, calls, inserted, updated);
    }
}
