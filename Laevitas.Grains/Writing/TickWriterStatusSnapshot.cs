namespace Laevitas.Grains.Writing;

/// <summary>What the tick writers of this silo have done since it started.</summary>
/// <param name="RowsWritten">Rows inserted into <c>deribit_prices</c> (new rows only).</param>
/// <param name="DuplicateRows">Ticks that were already stored (replays), skipped by the primary key.</param>
/// <param name="Batches">Batches stored.</param>
/// <param name="TicksSkipped">Unusable ticks (malformed JSON, wrong types, ...) dropped, counted per delivery.</param>
/// <param name="WriteFailures">Failed write attempts (each retried; none drops data).</param>
/// <param name="DatabaseAvailable">False while writes fail (an outage), true again after the first success.</param>
/// <param name="DeadLettered">Records set aside to the dead-letter topic (acknowledged by the broker).</param>
/// <param name="LastError">The last write or payload error, if any.</param>
public sealed record TickWriterStatusSnapshot(
    long RowsWritten,
    long DuplicateRows,
    long Batches,
    long TicksSkipped,
    long WriteFailures,
    bool DatabaseAvailable,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    int LastBatchTicks,
    int LargestBatchTicks,
    double AverageBatchTicks,
    long DeadLettered)
{
    /// <summary>Rows inserted into <c>deribit_trades</c> (trades new to the table).</summary>
    public long TradeRowsWritten { get; init; }
}
