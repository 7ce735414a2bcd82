using System.Text;
using Laevitas.DeribitSimulator.Ledger;

namespace Laevitas.Tests.DeribitSimulator.Ledger;

/// <summary>
/// The digest the chaos suite compares stored rows with generated ticks by: equal for the same fields and values
/// however they are spelled or ordered, different as soon as one value, one field or null-versus-absent differs.
/// </summary>
public class TickFingerprintTests
{
    private const string Tick = """
        {"timestamp":1700000000000,"state":"open","stats":{"volume":12.5,"price_change":null,"low":0.0425,"high":0.05},
         "greeks":{"delta":0.51,"gamma":0.0001},"index_price":65000.5,"instrument_name":"BTC-29DEC28-100000-C",
         "last_price":null,"mark_price":0.0455,"best_bid_amount":10,"estimated_delivery_price":"expired","underlying_index":"SYN.BTC-29DEC28"}
        """;

    [Fact]
    public void TheSameValuesInAnotherOrderAndSpellingGiveTheSameDigest()
    {
        const string reordered = """
            {"underlying_index":"SYN.BTC-29DEC28","estimated_delivery_price":"expired","best_bid_amount":10.0,"mark_price":4.55e-2,
             "last_price":null,"instrument_name":"BTC-29DEC28-100000-C","index_price":65000.50,
             "greeks":{"gamma":1e-4,"delta":0.510},"stats":{"high":0.05,"low":0.0425,"price_change":null,"volume":12.5},
             "state":"open","timestamp":1700000000000}
            """;
        Assert.Equal(Of(Tick), Of(reordered));
    }

    [Theory]
    [InlineData("\"mark_price\":0.0455", "\"mark_price\":0.0456")]
    [InlineData("\"delta\":0.51", "\"delta\":0.52")]
    [InlineData("\"price_change\":null", "\"price_change\":0")]
    [InlineData("\"last_price\":null,", "")]
    [InlineData("\"state\":\"open\"", "\"state\":\"closed\"")]
    [InlineData("\"best_bid_amount\":10", "\"best_bid_amount\":10,\"best_ask_amount\":10")]
    [InlineData("\"greeks\":{\"delta\":0.51,", "\"greeks\":{\"rho\":0.51,")]
    public void OneValueOrFieldChangedChangesTheDigest(string original, string changed)
    {
        Assert.Contains(original, Tick, StringComparison.Ordinal);
        Assert.NotEqual(Of(Tick), Of(Tick.Replace(original, changed, StringComparison.Ordinal)));
    }

    private static ulong Of(string json) => TickFingerprint.Of(Encoding.UTF8.GetBytes(json));
}
