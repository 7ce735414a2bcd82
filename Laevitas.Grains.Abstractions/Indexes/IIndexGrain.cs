namespace Laevitas.Grains.Abstractions.Indexes;

/// <summary>
/// One Deribit index (key = index name, <c>btc_usd</c>): takes the values the feed reads from its price index, DVOL and
/// estimated expiration price channels, holds the latest of each (queryable), and writes them to PostgreSQL
/// (<c>deribit_index_values</c>) in batches.
/// </summary>
public interface IIndexGrain : IGrainWithStringKey
{
    /// <summary>
    /// Takes values of this index in the order read. A value no newer than the latest accepted of its kind (a second
    /// feed's copy, a replay) is ignored, so each is written once even with several feeds.
    /// </summary>
    Task ReceiveAsync(IndexValue[] values);

    /// <summary>The latest value of each kind (after a reactivation, the newest stored rows until new ones arrive).</summary>
    Task<IndexSnapshot> GetSnapshotAsync();
}
