using System.Buffers;
using System.Text;
using System.Text.Json;
using Laevitas.DeribitSimulator.Ticks;
using Laevitas.DeribitSimulator.Universe;
using Laevitas.Grains.Writing;
using Laevitas.Tests.Recordings;

namespace Laevitas.Tests.Grains.Writing;

/// <summary>
/// The writer's fast path (<see cref="TickPayloadFastPath"/>) against the reader it stands in for
/// (<see cref="TickPayloadParser.TryParseWithReader"/>): on real Deribit recordings, the simulator's tickers, and
/// payloads changed in the ways that must send it back to the reader, both give the same verdict and the same row,
/// field by field. And the fast path does take the exchange's tickers (all but those with a field that has no
/// column), or it would save nothing.
/// </summary>
public class TickPayloadFastPathTests
{
    // After every recording (the reader refuses a tick stamped more than a day after it was received).
    private const long ReceivedAt = 1_800_000_000_123;

    public static TheoryData<string> Recorded()
    {
        var data = new TheoryData<string>();
        foreach (var ticker in DeribitRecordings.Tickers())
        {
            data.Add(ticker.Data);
        }

        return data;
    }

    // Only a ticker with a field that has no column (kept in the row's extra JSON, e.g. "estimated_delivery_price":
    // "expired") is the reader's; every other recorded ticker takes the fast path.
    [Theory]
    [MemberData(nameof(Recorded))]
    public void ARecordedTickerWithoutExtrasTakesTheFastPathAndParsesAsTheReaderDoes(string data)
    {
        var json = Encoding.UTF8.GetBytes(data);
        var byReader = default(DeribitPriceRow);
        Assert.True(TickPayloadParser.TryParseWithReader(json, ReceivedAt, ref byReader, out var error), error);
        var row = default(DeribitPriceRow);

        Assert.Equal(byReader.Extra is null, TickPayloadFastPath.TryRead(json, ref row, out _, out _));
        AssertSameAsReader(json);
    }

    [Fact]
    public void SimulatorTickersTakeTheFastPathAndParseAsTheReaderDoes()
    {
        foreach (var json in SimulatorTickers(2_000))
        {
            var row = default(DeribitPriceRow);
            Assert.True(TickPayloadFastPath.TryRead(json, ref row, out _, out _), Encoding.UTF8.GetString(json));
            AssertSameAsReader(json);
        }
    }

    // Each must leave the verdict and the row to the reader or agree with it: escapes, bytes outside ASCII, fields
    // without a column, values of another type, numbers outside the fast path or outside JSON, broken structure.
    [Theory]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"mark_price":97000.5}""")]
    [InlineData("""  {"instrument_name" : "BTC-PERPETUAL" ,	"timestamp":1734998400500 , "mark_price": 97000.5 }  """)]
    [InlineData("""{"instrument_name":"BTC\u002DPERPETUAL","timestamp":1734998400500}""")]
    [InlineData("""{"instrument_name":"BTC-PERPÉTUAL","timestamp":1734998400500}""")]
    [InlineData("""{"instr\u0075ment_name":"BTC-PERPETUAL","timestamp":1734998400500}""")]
    [InlineData("""{"instrument_name":"","timestamp":1734998400500}""")]
    [InlineData("""{"instrument_name":null,"timestamp":1734998400500}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"new_field":[1,{"a":"b"}]}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"greeks":null,"stats":{}}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"greeks":{"delta":0.5,"vanna":1}}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"estimated_delivery_price":"expired"}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"mark_price":"1"}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"mark_price":true}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"mark_price":null}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"mark_price":1e400}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"mark_price":12345678901234567890.5}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"mark_price":-0.0E-3}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"mark_price":01}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"mark_price":1.}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"mark_price":.5}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"mark_price":+1}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"mark_price":1e}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"mark_price":-}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"mark_price":1x}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500.0}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":17349984005000000}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":-1734998400500}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":9999999999999}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL"}""")]
    [InlineData("""{"timestamp":1734998400500}""")]
    [InlineData("""{}""")]
    [InlineData("""[]""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500} trailing""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL" "timestamp":1734998400500}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"state":"halted","combo_state":"active"}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"state":null,"combo_state":"inactive"}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"underlying_index":"index_price"}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"underlying_index":""}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"underlying_index":null}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"underlying_index":"0123456789012345678901234567890123456789012345678901234567890123456789"}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"mark_price":1,"mark_price":2,"timestamp":1734998400501}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"stats":{"volume":1,"low":null},"greeks":{}}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"greeks":{"delta":0.5,}}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"greeks":{"delta":{"x":1}}}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"greeks":[1]}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,"delta":0.5}""")]
    [InlineData("""{"instrument_name":"BTC-PERPETUAL","timestamp":1734998400500,/* */"mark_price":1}""")]
    public void AChangedPayloadGetsTheReadersVerdict(string data) => AssertSameAsReader(Encoding.UTF8.GetBytes(data));

    [Fact]
    public void ControlCharactersAndInvalidUtf8GetTheReadersVerdict()
    {
        AssertSameAsReader("{\"instrument_name\":\"BTC-\tPERPETUAL\",\"timestamp\":1734998400500}"u8.ToArray());
        AssertSameAsReader("{\"instrument_name\":\"BTC-\0PERPETUAL\",\"timestamp\":1734998400500}"u8.ToArray());
        byte[] invalid = [.. "{\"instrument_name\":\"BTC-"u8, 0xC3, 0x28, .. "\",\"timestamp\":1734998400500}"u8];
        AssertSameAsReader(invalid);
    }

    // Every single-byte change of real tickers at a random place: whatever the change makes of the payload, the fast
    // path must not accept it differently from the reader.
    [Fact]
    public void RandomByteChangesOfRealTickersGetTheReadersVerdict()
    {
        var random = new Random(20261206);
        var originals = DeribitRecordings.Tickers().Select(t => Encoding.UTF8.GetBytes(t.Data)).Concat(SimulatorTickers(50)).ToArray();
        ReadOnlySpan<byte> replacements = "{}[],:\"\\ 0123456789.-+eEnul\t\u007f"u8;
        for (var n = 0; n < 20_000; n++)
        {
            var json = (byte[])originals[random.Next(originals.Length)].Clone();
            var at = random.Next(json.Length);
            json[at] = random.Next(4) == 0 ? (byte)random.Next(256) : replacements[random.Next(replacements.Length)];
            AssertSameAsReader(json);
        }
    }

    private static void AssertSameAsReader(byte[] json)
    {
        var expected = default(DeribitPriceRow);
        var actual = default(DeribitPriceRow);
        var readerAccepts = TickPayloadParser.TryParseWithReader(json, ReceivedAt, ref expected, out var readerError);
        var accepts = TickPayloadParser.TryParse(json, ReceivedAt, ref actual, out var error);

        var text = Encoding.UTF8.GetString(json);
        Assert.True(readerAccepts == accepts, $"reader {(readerAccepts ? "accepts" : $"refuses ({readerError})")}, TryParse {(accepts ? "accepts" : $"refuses ({error})")}: {text}");
        Assert.Equal(readerError, error);
        if (!accepts)
        {
            return;
        }

        foreach (var field in typeof(DeribitPriceRow).GetFields())
        {
            var want = field.GetValue(expected);
            var got = field.GetValue(actual);
            if (want is byte[] wantBytes && got is byte[] gotBytes)
            {
                Assert.True(wantBytes.AsSpan().SequenceEqual(gotBytes), $"{field.Name} differs: {text}");
            }
            else
            {
                Assert.True(Equals(want, got), $"{field.Name}: reader {want ?? "null"}, TryParse {got ?? "null"}: {text}");
            }
        }
    }

    // The simulator's ticker data as it sends them (TickerWriter), for a universe of options, futures and perpetuals.
    private static List<byte[]> SimulatorTickers(int count)
    {
        long nextId = 1;
        var universe = UniverseGenerator.Generate(500, 7, DateTimeOffset.UtcNow, ref nextId, out var indexPrices);
        var market = new MarketModel(7, indexPrices);
        var states = universe.Select(i => market.CreateTicker(i, i.Kind == InstrumentKind.Option ? "SYN.EXPIRY" : null)).ToArray();
        var random = new Random(7);
        var buffer = new ArrayBufferWriter<byte>(1024);
        var result = new List<byte[]>(count);
        for (var n = 0; n < count; n++)
        {
            var state = states[n % states.Length];
            if (n % states.Length == 0)
            {
                market.Step(random);
            }

            state.Advance(state.NextTimestamp(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), random);
            buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                TickerWriter.WriteData(writer, state);
            }

            result.Add(buffer.WrittenSpan.ToArray());
        }

        return result;
    }
}
