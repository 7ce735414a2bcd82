using Laevitas.Grains.Instruments;

namespace Laevitas.Tests.Grains.Instruments;

public class TradeAcceptWindowTests
{
    [Fact]
    public void EachTradeSeqIsAcceptedOnceInAnyOrder()
    {
        var window = new TradeAcceptWindow(capacity: 8);

        Assert.True(window.Offer(5));
        Assert.True(window.Offer(3));     // older but never seen: one feed was behind
        Assert.False(window.Offer(5));
        Assert.False(window.Offer(3));
        Assert.True(window.Offer(4));
        Assert.Equal(3, window.Count);
    }

    [Fact]
    public void MemoryIsBoundedAndWhatWasForgottenIsTakenForACopy()
    {
        var window = new TradeAcceptWindow(capacity: 4);
        for (long seq = 1; seq <= 10; seq++)
        {
            Assert.True(window.Offer(seq));
        }

        Assert.Equal(4, window.Count);
        // 1..6 forgotten: the floor is 6, so their copies (and anything older) are not published again.
        Assert.False(window.Offer(6));
        Assert.False(window.Offer(2));
        Assert.False(window.Offer(9));
        Assert.True(window.Offer(11));
    }

    [Fact]
    public void AForgottenTradeIsAcceptedAgain()
    {
        var window = new TradeAcceptWindow(capacity: 4);
        window.Offer(1);
        window.Offer(2);

        window.Forget([2]);

        Assert.True(window.Offer(2));
        Assert.False(window.Offer(1));
    }
}
