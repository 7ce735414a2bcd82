using Laevitas.Feed;
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
    public void BadSettingsFailAtStartWithAClearMessage(string key, string value, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        using var provider = new ServiceCollection().AddLogging().AddDeribitFeedServices(configuration, _ => new CollectingTickSink()).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DeribitOptions>>().Value);

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void DefaultsAreValid()
    {
        var configuration = new ConfigurationBuilder().Build();
        using var provider = new ServiceCollection().AddLogging().AddDeribitFeedServices(configuration, _ => new CollectingTickSink()).BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<DeribitOptions>>().Value;

        Assert.Equal("wss://www.deribit.com/ws/api/v2", options.Url);
        Assert.Equal("100ms", options.Interval);
        Assert.Equal(["BTC", "ETH"], options.Currencies);
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
