namespace Laevitas.Silo.Dispatch;

/// <summary>Point-in-time view of the feed → grain dispatch, for the status line.</summary>
/// <param name="PacedTo">Ticks per second the dispatcher is held to while it keeps to the writers' pace (<see cref="WriterPace"/>), else null.</param>
public sealed record DispatchStatus(long Dispatched, long Pending, long Dropped, long FailedCalls, int Instruments, long SlowCalls = 0, double? PacedTo = null);
