namespace Laevitas.Grains.Writing;

/// <summary>
/// Why a record of the tick topic was set aside instead of stored; the metric's <c>cause</c> tag (a short, bounded
/// set, unlike the reason text that goes in the dead-letter header).
/// </summary>
public enum DeadLetterCause
{
    /// <summary>The value is not a ticker this service can store: not JSON, wrong types, fields missing.</summary>
    NotATick,

    /// <summary>The record has no key (every Laevitas tick is keyed by its instrument name).</summary>
    EmptyKey,

    /// <summary>The record's receive time (its timestamp) is outside 2000..2200, e.g. past year 9999.</summary>
    AbsurdTime,

    /// <summary>The value is larger than <see cref="TickWriterOptions.MaxTickBytes"/>.</summary>
    TooLarge,

    /// <summary>PostgreSQL refused the row itself (a data error, not an outage).</summary>
    RejectedByDatabase,

    /// <summary>Reading the record threw; a bug, but one record must not stall its partition for it.</summary>
    ReadFailed,
}
