using System.Text.Json;
using Laevitas.DeribitSimulator;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.DeribitSimulator.Indexes;

/// <summary>
/// The simulator's index channels: served for the indexes its market has, DVOL only for btc_usd and eth_usd (others
/// left out of the subscribe result, as the exchange leaves out what it cannot serve), each notification with the field
/// set docs.deribit.com shows for its channel, and recorded in the index ledger.
/// </summary>
public class IndexChannelTests
{
    [Fact]
    public async Task ServesTheIndexChannelsWithTheDocumentedFields()
    {
        await using var sim = await DeribitSimulatorServer.StartAsync(new SimulatorOptions
        {
            InstrumentCount = 10, TicksPerSecond = 0, RecordEmitted = true, IndexInterval = TimeSpan.FromMilliseconds(50),
        });
        await using var client = await RawDeribitClient.ConnectAsync(sim.Url);
        string[] wanted = ["deribit_price_index.btc_usd", "deribit_volatility_index.btc_usd", "estimated_expiration_price.sol_usdc"];
        var answer = await client.CallAsync("public/subscribe", new
        {
            channels = (string[])[.. wanted, "deribit_volatility_index.sol_usdc", "deribit_price_index.nope_usd"],
        });
        Assert.Equal(wanted, answer.GetProperty("result").EnumerateArray().Select(c => c.GetString()));

        var fields = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (fields.Count < wanted.Length && DateTime.UtcNow < deadline)
        {
            var message = await client.NextMessageAsync(TimeSpan.FromSeconds(5));
            if (message is null)
            {
                continue;
            }

            using var document = JsonDocument.Parse(message);
            if (document.RootElement.TryGetProperty("params", out var parameters) && parameters.TryGetProperty("channel", out var channel))
            {
                fields[channel.GetString()!] = parameters.GetProperty("data").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
            }
        }

        Assert.Equal(["index_name", "price", "timestamp"], fields["deribit_price_index.btc_usd"]);
        Assert.Equal(["index_name", "timestamp", "volatility"], fields["deribit_volatility_index.btc_usd"]);
        // No timestamp, as on Deribit.
        Assert.Equal(["is_estimated", "price", "seconds"], fields["estimated_expiration_price.sol_usdc"]);
        var recorded = sim.IndexLedger.Snapshot();
        Assert.Equal(["deribit_price_index/btc_usd", "deribit_volatility_index/btc_usd", "estimated_expiration_price/sol_usdc"],
            recorded.Select(v => $"{v.Channel}/{v.IndexName}").Distinct().Order(StringComparer.Ordinal));
    }
}
