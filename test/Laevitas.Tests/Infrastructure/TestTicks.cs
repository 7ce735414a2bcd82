using System.Globalization;
using System.Text;
using Laevitas.Grains.Abstractions.Ticks;

namespace Laevitas.Tests.Infrastructure;

internal static class TestTicks
{
    /// <summary>A tick with a small ticker-shaped payload that names its instrument and sequence number.</summary>
    public static RawTick Create(string instrument, long timestamp, int sequence = 0, long? receivedAtMs = null)
    {
        var json = string.Create(
            CultureInfo.InvariantCulture,
            $"{{\"instrument_name\":\"{instrument}\",\"timestamp\":{timestamp},\"mark_price\":{sequence}.5,\"seq\":{sequence}}}");
        return new RawTick(instrument, timestamp, receivedAtMs ?? timestamp + 3, Encoding.UTF8.GetBytes(json));
    }

    public static TickBatch Batch(string instrument, long firstTimestamp, int count, int firstSequence = 0)
    {
        var ticks = new RawTick[count];
        for (var i = 0; i < count; i++)
        {
            ticks[i] = Create(instrument, firstTimestamp + i, firstSequence + i);
        }

        return new TickBatch(ticks);
    }
}
