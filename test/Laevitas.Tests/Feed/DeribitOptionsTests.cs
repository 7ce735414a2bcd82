using Laevitas.Feed;
using Laevitas.Silo.FeedPlacement;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Laevitas.Tests.Feed;

public class DeribitOptionsTests
{
    [Fact]
    public void CommaSeparatedListsBindAsLists()
    {
        var options = Bind(new()
        {
            ["Deribit:Currencies"] = " BTC, ETH ,SOL",
            ["Deribit:Kinds"] = "option",
            ["Deribit:Instruments"] = "BTC-PERPETUAL,ETH-PERPETUAL",
            ["Deribit:HeartbeatIntervalSeconds"] = "12",
        });

        Assert.Equal(["BTC", "ETH", "SOL"], options.Currencies);
        Assert.Equal(["option"], options.Kinds);
        Assert.Equal(["BTC-PERPETUAL", "ETH-PERPETUAL"], options.Instruments);
        Assert.Equal(12, options.HeartbeatIntervalSeconds);
    }

    [Fact]
    public void TradesChannelsAreOnePerKindAndCurrencyOrOnePerExplicitInstrument()
    {
        var market = Bind(new() { ["Deribit:Currencies"] = "BTC,USDC", ["Deribit:Kinds"] = "option,future" });
        var explicitInstruments = Bind(new() { ["Deribit:Instruments"] = "BTC-PERPETUAL", ["Deribit:Interval"] = "agg2" });
        var off = Bind(new() { ["Deribit:Trades"] = "false" });

        Assert.Equal(["trades.option.BTC.100ms", "trades.future.BTC.100ms", "trades.option.USDC.100ms", "trades.future.USDC.100ms"],
            market.MarketTradeChannels());
        Assert.Null(market.InstrumentTradeChannel("BTC-PERPETUAL"));
        Assert.Empty(explicitInstruments.MarketTradeChannels());
        Assert.Equal("trades.BTC-PERPETUAL.agg2", explicitInstruments.InstrumentTradeChannel("BTC-PERPETUAL"));
        Assert.Empty(off.MarketTradeChannels());
        Assert.Null(off.InstrumentTradeChannel("BTC-PERPETUAL"));
    }

    [Fact]
    public void InstrumentStateChannelsAreOnePerKindAndCurrencyAndShareTheMarketChannels()
    {
        var market = Bind(new() { ["Deribit:Currencies"] = "BTC,USDC", ["Deribit:Kinds"] = "option,future", ["Deribit:Trades"] = "false", ["Deribit:IndexChannels"] = "false" });
        var off = Bind(new() { ["Deribit:InstrumentStateChannel"] = "false", ["Deribit:Trades"] = "false", ["Deribit:IndexChannels"] = "false" });

        Assert.True(new DeribitOptions().InstrumentStateChannel);
        Assert.Equal(["instrument.state.option.BTC", "instrument.state.future.BTC", "instrument.state.option.USDC", "instrument.state.future.USDC"],
            market.InstrumentStateChannels());
        Assert.Equal(market.InstrumentStateChannels(), market.MarketChannels());
        Assert.Empty(off.InstrumentStateChannels());
        Assert.Empty(off.MarketChannels());
    }

    [Theory]
    // With explicit instruments the currencies only name instrument.state channels, so they are checked while it is on.
    [InlineData("Deribit:Currencies", "BTC,SOL", "true", "has 'SOL', which public/get_instruments does not take")]
    [InlineData("Deribit:Currencies", "BTC,SOL", "false", null)]
    [InlineData("Deribit:Kinds", "option,bond", "true", "unknown kind 'bond'")]
    // 3 currencies × 2 kinds of trades and instrument.state channels = 12 on one connection.
    [InlineData("Deribit:ChannelsPerConnection", "11", "true", "12 market-wide channels")]
    [InlineData("Deribit:ChannelsPerConnection", "11", "false", null)]
    public void InstrumentStateChannelSettingsAreChecked(string key, string value, string stateChannel, string? expected)
    {
        var settings = new Dictionary<string, string?> { [key] = value, ["Deribit:InstrumentStateChannel"] = stateChannel, ["Deribit:IndexChannels"] = "false" };
        if (key != "Deribit:ChannelsPerConnection")
        {
            settings["Deribit:Instruments"] = "BTC-PERPETUAL";
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var provider = new ServiceCollection().AddLogging().AddDeribitFeedServices(configuration, _ => new CollectingTickSink()).BuildServiceProvider();

        if (expected is null)
        {
            Assert.NotNull(provider.GetRequiredService<IOptions<DeribitOptions>>().Value);
            return;
        }

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DeribitOptions>>().Value);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void IndexChannelsFollowTheCurrenciesAndShareTheMarketChannels()
    {
        var market = Bind(new() { ["Deribit:Currencies"] = "BTC,USDC", ["Deribit:Trades"] = "false", ["Deribit:InstrumentStateChannel"] = "false" });
        var off = Bind(new() { ["Deribit:IndexChannels"] = "false", ["Deribit:Trades"] = "false", ["Deribit:InstrumentStateChannel"] = "false" });

        Assert.True(new DeribitOptions().IndexChannels);
        // btc_usd has DVOL; the USDC indexes do not.
        Assert.Equal(
            ["deribit_price_index.btc_usd", "deribit_volatility_index.btc_usd", "estimated_expiration_price.btc_usd",
             "deribit_price_index.btc_usdc", "estimated_expiration_price.btc_usdc", "deribit_price_index.eth_usdc", "estimated_expiration_price.eth_usdc",
             "deribit_price_index.sol_usdc", "estimated_expiration_price.sol_usdc", "deribit_price_index.xrp_usdc", "estimated_expiration_price.xrp_usdc"],
            market.IndexChannelList());
        Assert.Equal(market.IndexChannelList(), market.MarketChannels());
        Assert.Empty(off.IndexChannelList());
        Assert.Empty(off.MarketChannels());
    }

    [Fact]
    public void ArrayListsReplaceTheDefaultsInsteadOfAppending()
    {
        var options = Bind(new() { ["Deribit:Currencies:0"] = "SOL" });

        Assert.Equal(["SOL"], options.Currencies);
        Assert.Equal(["option", "future"], options.Kinds);
        Assert.Empty(options.Instruments);
    }

    [Theory]
    [InlineData("Deribit:Interval", "1s", "Deribit:Interval must be one of raw, 100ms, agg2")]
    [InlineData("Deribit:Interval", "raw", "'raw' needs an authenticated connection")]
    [InlineData("Deribit:HeartbeatIntervalSeconds", "5", "HeartbeatIntervalSeconds must be at least 10")]
    [InlineData("Deribit:MaxConnections", "32", "MaxConnections must be between 1 and 30")]
    [InlineData("Deribit:Url", "http://example.com", "ws:// or wss://")]
    [InlineData("Deribit:Kinds", "option,bond", "unknown kind 'bond'")]
    [InlineData("Deribit:ClientId", "only-the-id", "Set both Deribit__ClientId and Deribit__ClientSecret")]
    [InlineData("Deribit:ReconnectJitter", "2", "ReconnectJitter must be between 0 and 1")]
    [InlineData("Deribit:Currencies", "BTC,SOL", "has 'SOL', which public/get_instruments does not take")]
    [InlineData("Deribit:Currencies", "btc", "has 'btc', which public/get_instruments does not take")]
    [InlineData("Deribit:Currencies", "any,BTC", "use it alone")]
    public void BadSettingsFailAtStartWithAClearMessage(string key, string value, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        using var provider = new ServiceCollection().AddLogging().AddDeribitFeedServices(configuration, _ => new CollectingTickSink()).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DeribitOptions>>().Value);

        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData(null, null, 1)]
    [InlineData("Localhost", null, 1)]
    [InlineData("AdoNet", null, 2)]
    [InlineData("kubernetes", null, 2)]
    [InlineData("Kubernetes", "1", 1)]
    public void FeedReplicasDefaultToTwoInAClusterAndOneLocally(string? mode, string? replicas, int expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orleans:ClusteringMode"] = mode,
            ["Deribit:FeedReplicas"] = replicas,
        }).Build();
        using var provider = new ServiceCollection().AddLogging().AddDeribitFeed(configuration, _ => new CollectingTickSink()).BuildServiceProvider();

        Assert.Equal(expected, provider.GetRequiredService<IOptions<DeribitOptions>>().Value.FeedReplicas);
    }

    [Theory]
    [InlineData("3", "7", true)]   // (3 + 1 handing over) × (7 + 1) = 32: the limit itself
    [InlineData("2", "9", true)]   // (2 + 1) × (9 + 1) = 30
    [InlineData("4", "7", false)]  // (4 + 1) × 8 = 40
    [InlineData("2", "10", false)] // 3 × 11 = 33
    [InlineData("0", "8", false)]
    public void FeedsMayNotTakeMoreThan32ConnectionsFromOneIp(string replicas, string maxConnections, bool valid)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Deribit:FeedReplicas"] = replicas,
            ["Deribit:MaxConnections"] = maxConnections,
        }).Build();
        using var provider = new ServiceCollection().AddLogging().AddDeribitFeed(configuration, _ => new CollectingTickSink()).BuildServiceProvider();

        if (valid)
        {
            Assert.Equal(int.Parse(replicas, System.Globalization.CultureInfo.InvariantCulture), provider.GetRequiredService<IOptions<DeribitOptions>>().Value.FeedReplicas);
            return;
        }

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DeribitOptions>>().Value);
        Assert.Contains("Deribit:FeedReplicas", error.Message);
    }

    [Fact]
    public void DefaultsAreValid()
    {
        var configuration = new ConfigurationBuilder().Build();
        using var provider = new ServiceCollection().AddLogging().AddDeribitFeedServices(configuration, _ => new CollectingTickSink()).BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<DeribitOptions>>().Value;

        Assert.Equal("wss://www.deribit.com/ws/api/v2", options.Url);
        Assert.Equal("100ms", options.Interval);
        Assert.Equal(["BTC", "ETH", "USDC"], options.Currencies);
    }

    [Fact]
    public void SecretInAConfigurationFileIsRefused()
    {
        var path = Path.Combine(Path.GetTempPath(), $"laevitas-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"Deribit":{"ClientId":"id","ClientSecret":"do-not-commit"}}""");
        try
        {
            var configuration = new ConfigurationBuilder().AddJsonFile(path).Build();
            using var provider = new ServiceCollection().AddLogging().AddDeribitFeedServices(configuration, _ => new CollectingTickSink()).BuildServiceProvider();

            var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DeribitOptions>>().Value);

            Assert.Contains("secrets come from the environment", error.Message);
            Assert.DoesNotContain("do-not-commit", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static DeribitOptions Bind(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var options = new DeribitOptions();
        DeribitOptionsBinder.Bind(configuration.GetSection("Deribit"), options);
        return options;
    }
}
