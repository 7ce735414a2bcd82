using Laevitas.Grains.Retention;
using Laevitas.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Laevitas.Tests.Grains.Retention;

public sealed class RetentionOptionsTests
{
    [Fact]
    public void RetentionIsOffByDefault()
    {
        Assert.Equal(0, Bind([]).Days);
    }

    [Theory]
    [InlineData("Days", "-1", "Retention:Days must be 0 (keep everything) or a number of days from 1 to 36500 (was -1)")]
    [InlineData("Days", "100000", "Retention:Days must be 0 (keep everything) or a number of days from 1 to 36500 (was 100000)")]
    [InlineData("Interval", "00:00:00", "Retention:Interval must be between 00:00:01 and 1.00:00:00 (was 00:00:00)")]
    [InlineData("LockTimeout", "00:05:00", "Retention:LockTimeout must be between 00:00:00.001 and 00:01:00 (was 00:05:00)")]
    public void BadSettingsAreRefusedAtStartWithTheKeyAndTheValue(string key, string value, string message)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind([new($"Retention:{key}", value)]));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Days", "-1", "0")]
    [InlineData("Days", "36501", "36500")]
    [InlineData("Interval", "00:00:00.9999999", "00:00:01")]
    [InlineData("Interval", "1.00:00:00.0000001", "1.00:00:00")]
    [InlineData("LockTimeout", "00:00:00.0009999", "00:00:00.001")]
    [InlineData("LockTimeout", "00:01:00.0000001", "00:01:00")]
    public void ARangeAcceptsItsEdgeAndRefusesTheValueJustPastItNamingTheKey(string key, string refused, string edge)
    {
        SettingValidation.AssertRange(new RetentionOptionsValidator(), RetentionOptions.SectionName, key, refused, edge);
    }

    [Fact]
    public void SevenDaysHourlyIsAccepted()
    {
        var options = Bind([new("Retention:Days", "7"), new("Retention:Interval", "01:00:00")]);
        Assert.Equal((7, TimeSpan.FromHours(1)), (options.Days, options.Interval));
    }

    [Fact]
    public void TheFirstDayKeptIsTheDayTheSettingAgo()
    {
        Assert.Equal(new DateOnly(2026, 11, 27), PartitionRetention.KeepFrom(new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero), 7));
        Assert.Equal(new DateOnly(2026, 11, 27), PartitionRetention.KeepFrom(new DateTimeOffset(2026, 12, 4, 23, 59, 59, TimeSpan.Zero), 7));
        // An offset is read as the instant it is: 01:00+02:00 is still the previous UTC day.
        Assert.Equal(new DateOnly(2026, 11, 26), PartitionRetention.KeepFrom(new DateTimeOffset(2026, 12, 4, 1, 0, 0, TimeSpan.FromHours(2)), 7));
    }

    [Theory]
    [InlineData("deribit_prices_20261201", "2026-12-01")]
    [InlineData("deribit_prices_staging", null)]
    [InlineData("deribit_prices_20261301", null)]
    [InlineData("deribit_prices_2026120", null)]
    [InlineData("other_20261201", null)]
    public void OnlyPartitionsNamedByEnsurePartitionAreCandidates(string name, string? day)
    {
        var partition = DailyPartition.TryParse("deribit_prices", name);
        Assert.Equal(day, partition?.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
    }

    private static RetentionOptions Bind(KeyValuePair<string, string?>[] settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddPartitionRetention().BuildServiceProvider();
        return services.GetRequiredService<IOptions<RetentionOptions>>().Value;
    }
}
