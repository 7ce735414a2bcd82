using Laevitas.Grains.Abstractions.Hosting;

namespace Laevitas.Grains.Instruments;

/// <summary>Configuration section <c>Instruments</c>, checked at start by <see cref="InstrumentGrainOptionsValidator"/>.</summary>
public sealed class InstrumentGrainOptions
{
    public const string SectionName = "Instruments";

    /// <summary>
    /// How often an instrument grain writes its state when something changed. Thousands of grains share one
    /// database, so this is what bounds the write rate: 5,000 instruments / 60 s ≈ 83 writes/s. Each grain's
    /// first write is at a random point of the first interval so the writes spread out.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.1", "01:00:00", ErrorMessage = "Instruments:PersistInterval must be between 00:00:00.1 and 01:00:00 (was {3}).")]
    public TimeSpan PersistInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a batch of ticks may wait for the broker's acknowledgement before the grain answers the feed's
    /// dispatcher anyway (normally milliseconds), when that dispatcher runs on another silo; one on the grain's own
    /// silo is answered at once, since it would not survive the silo either. Answering only after the
    /// acknowledgement is what lets a silo be killed without losing the ticks its grains had taken; zero answers at
    /// once (ticks still in the producer's memory are then lost with the process).
    /// </summary>
    // The dispatcher's grain call must not time out (Orleans' default response timeout is 30 s) while the grain waits.
    [SettingRange(typeof(TimeSpan), "00:00:00", "00:00:10", ErrorMessage = "Instruments:DeliveryWait must be between 00:00:00 and 00:00:10 (was {3}).")]
    public TimeSpan DeliveryWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How far behind an instrument's newest tick (exchange time) its grain still tells a copy from a tick never
    /// accepted: the accept window (<see cref="AcceptWindow"/>). It must exceed the longest one feed's copy can be
    /// held up behind another's: membership's failure detection (about 10-30 s) plus the dispatcher's retries.
    /// A tick older than this is dropped and counted (<c>laevitas_instrument_too_old_total</c>).
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Instruments:AcceptHorizon must be between 00:00:01 and 01:00:00 (was {3}).")]
    public TimeSpan AcceptHorizon { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// At most this many accepted timestamps are remembered per instrument (8 bytes each in memory, about 2 in the
    /// persisted state); past it the oldest leave the window early. 1,024 holds the horizon of a 100 ms ticker with
    /// room to spare.
    /// </summary>
    [SettingRange(16, 65_536, ErrorMessage = "Instruments:AcceptCapacity must be between 16 and 65536 (was {3}).")]
    public int AcceptCapacity { get; set; } = 1024;

    /// <summary>
    /// How long an activating instrument grain waits for its stored state (normally milliseconds). Past it, or when
    /// the read fails (database away), the grain starts without it and keeps taking ticks; its timer reads again and
    /// merges what is stored (counters added, the newest ticker kept, the stored accept window joined to its own).
    /// Meanwhile it may publish a copy of a tick the previous activation had published — stored once by the writer —
    /// but it never holds the feed's ticks up waiting on the database.
    /// </summary>
    // Below Orleans' 30 s response timeout: the activation runs inside the first call to the grain.
    [SettingRange(typeof(TimeSpan), "00:00:00.1", "00:00:20", ErrorMessage = "Instruments:StateReadTimeout must be between 00:00:00.1 and 00:00:20 (was {3}).")]
    public TimeSpan StateReadTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// When an instrument grain's state write counts as failed. The grain's timer never waits for the write: the grain
    /// is not reentrant, so a write it waited for would hold every tick sent to it, for as long as a database that
    /// stopped answering rather than refusing (frozen, a network partition without a reset) stays silent. A write still
    /// going on after this long is counted once as a failed save (<c>laevitas_instrument_state_write_failures_total</c>);
    /// no other starts until it has ended. A deactivation, or an instrument's expiry, waits at most this long for a
    /// write still going on and as long again for its last one.
    /// </summary>
    // At most 10 s: twice that stays under Orleans' 30 s response timeout for the call that delists an instrument.
    [SettingRange(typeof(TimeSpan), "00:00:00.1", "00:00:10", ErrorMessage = "Instruments:StateWriteTimeout must be between 00:00:00.1 and 00:00:10 (was {3}).")]
    public TimeSpan StateWriteTimeout { get; set; } = TimeSpan.FromSeconds(3);
}
