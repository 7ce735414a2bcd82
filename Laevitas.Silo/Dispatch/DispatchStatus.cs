namespace Laevitas.Silo.Dispatch;

/// <summary>Point-in-time view of the feed → grain dispatch, for the status line.</summary>
public sealed record DispatchStatus(long Dispatched, long Pending, long Dropped, long FailedCalls, int Instruments, long SlowCalls = 0);
