using System.Text;
using Confluent.Kafka;
using Laevitas.Streaming.Kafka;

namespace Laevitas.Tests.Streaming;

public class TickRecordTests
{
    private const long ReceivedAt = 1_735_000_000_123;

    [Fact]
    public void ReceiveTimeIsTheRecordTimestamp()
    {
        var timestamp = TickRecord.TimestampFor(ReceivedAt);

        Assert.Equal(TimestampType.CreateTime, timestamp.Type);
        Assert.Equal(ReceivedAt, TickRecord.ReceivedAtMs(timestamp, headers: null));
        Assert.Equal(ReceivedAt, TickRecord.ReceivedAtMs(timestamp, []));
        Assert.False(TickRecord.IsBrokerTime(timestamp));
    }

    [Fact]
    public void UnknownReceiveTimeLeavesTheTimestampToTheProducer() =>
        Assert.Equal(Timestamp.Default, TickRecord.TimestampFor(0));

    [Fact]
    public void RecordsOfTheEarlierFormatAreReadFromTheirHeader()
    {
        // Then the record timestamp was the exchange timestamp; the header held the receive time.
        var exchangeTime = new Timestamp(ReceivedAt - 40, TimestampType.CreateTime);
        var headers = new Headers { { TickRecord.LegacyReceivedAtHeader, Encoding.ASCII.GetBytes(ReceivedAt.ToString(System.Globalization.CultureInfo.InvariantCulture)) } };

        Assert.Equal(ReceivedAt, TickRecord.ReceivedAtMs(exchangeTime, headers));
    }

    [Fact]
    public void AMalformedLegacyHeaderFallsBackToTheTimestamp()
    {
        var timestamp = new Timestamp(ReceivedAt, TimestampType.CreateTime);
        var headers = new Headers { { TickRecord.LegacyReceivedAtHeader, "12x"u8.ToArray() } };

        Assert.Equal(ReceivedAt, TickRecord.ReceivedAtMs(timestamp, headers));
    }

    [Fact]
    public void BrokerTimestampsAreRecognised()
    {
        var appended = new Timestamp(ReceivedAt, TimestampType.LogAppendTime);

        Assert.True(TickRecord.IsBrokerTime(appended));
        Assert.Equal(ReceivedAt, TickRecord.ReceivedAtMs(appended, headers: null));
        Assert.Equal(0, TickRecord.ReceivedAtMs(new Timestamp(0, TimestampType.NotAvailable), headers: null));
    }
}
