using Laevitas.Grains.Abstractions.Ticks;

namespace Laevitas.Tests.Grains.Ticks;

public class SmokeTests
{
    [Fact]
    public void RawTickKeepsPayload()
    {
        var tick = new RawTick("BTC-PERPETUAL", 1, 2, [1, 2, 3]);
        Assert.Equal(3, tick.Payload.Length);
    }
}
