using Laevitas.DeribitSimulator.Ledger;

namespace Laevitas.Tests.DeribitSimulator.Ledger;

/// <summary>
/// Ticks in doubt (their batch was being written when the connection dropped): kept apart from the sent ones, in the
/// channel's send order, so a client check can allow them without requiring them.
/// </summary>
public class EmissionLedgerTests
{
    private const string Channel = "ticker.BTC-PERPETUAL.100ms";

    [Fact]
    public void TicksInDoubtAreNotSentButTakeTheirPlaceInSendOrder()
    {
        var ledger = new EmissionLedger(enabled: true);
        var channel = ledger.ForChannel(Channel)!;
        channel.Add(100);
        channel.Add(200);
        // A new connection sent 500 before the dropped one recorded its failed batch (300, 400).
        channel.Add(500);
        channel.AddInDoubt(300);
        channel.AddInDoubt(400);
        ledger.CountInDoubt();
        ledger.CountInDoubt();
        channel.Add(600);

        Assert.Equal([100L, 200, 500, 600], ledger.TimestampsFor(Channel));
        Assert.Equal([100L, 200, 500, 600], ledger.Snapshot()[Channel]);
        Assert.Equal(
            [new LedgerTick(100, false), new LedgerTick(200, false), new LedgerTick(300, true), new LedgerTick(400, true), new LedgerTick(500, false), new LedgerTick(600, false)],
            ledger.SnapshotWithInDoubt()[Channel]);
        Assert.Equal(2, ledger.InDoubtCount);
    }

    [Fact]
    public void WithoutRecordingNoChannelIsKept()
    {
        var ledger = new EmissionLedger(enabled: false);
        Assert.Null(ledger.ForChannel(Channel));
        Assert.Empty(ledger.SnapshotWithInDoubt());
    }
}
