using System.Diagnostics;
using Laevitas.Silo.Dispatch;

namespace Laevitas.Tests.Silo.Dispatch;

public sealed class BackPressureGateTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static readonly DispatchOptions Options = new()
    {
        MaxPendingTicks = 1_000,
        MaxBatchSize = 100,
        MaxBackPressureLag = TimeSpan.FromMilliseconds(300),
    };

    private long pending;

    private BackPressureGate Gate() => new(() => Interlocked.Read(ref pending), Options, TimeProvider.System);

    [Fact]
    public void WithRoomTheFeedReadsOn()
    {
        pending = 999;

        Assert.True(Gate().WaitForRoomAsync(TimeSpan.Zero, CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public void AFeedAlreadyAsFarBehindAsAllowedIsNotHeld()
    {
        pending = 5_000;

        Assert.True(Gate().WaitForRoomAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task AFullBacklogHoldsTheFeedUntilABatchOfRoomIsFree()
    {
        pending = 1_000;
        var gate = Gate();

        // Clock skew can make the lag negative; here it leaves an allowance longer than the test's timeout, so only
        // the room can end the wait.
        var wait = gate.WaitForRoomAsync(TimeSpan.FromSeconds(-20), CancellationToken.None).AsTask();
        Interlocked.Exchange(ref pending, 950); // room for less than a batch: still held
        await Task.Yield();
        Assert.False(wait.IsCompleted);

        Interlocked.Exchange(ref pending, 900);
        await wait.WaitAsync(Timeout);
        Assert.True(gate.HeldBack > TimeSpan.Zero);
    }

    [Fact]
    public async Task ABacklogThatStaysFullHoldsTheFeedForTheRestOfTheAllowanceOnly()
    {
        pending = 1_000;
        var gate = Gate();
        var clock = Stopwatch.StartNew();

        // 100 ms behind already: held for the 200 ms left of the 300 ms allowance, then the feed reads on.
        await gate.WaitForRoomAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None).AsTask().WaitAsync(Timeout);

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(200), Timeout);
        Assert.InRange(gate.HeldBack, TimeSpan.FromMilliseconds(200), Timeout);
    }
}
