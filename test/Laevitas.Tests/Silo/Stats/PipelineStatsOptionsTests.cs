using Laevitas.Silo.Stats;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Silo.Stats;

public sealed class PipelineStatsOptionsTests
{
    [Theory]
    [InlineData("ReportInterval", "00:00:00.0999999", "00:00:00.1")]
    [InlineData("ReportInterval", "00:00:10.0000001", "00:00:10")]
    [InlineData("StatusLineInterval", "-00:00:00.0000001", "00:00:00")]
    public void ARangeAcceptsItsEdgeAndRefusesTheValueJustPastItNamingTheKey(string key, string refused, string edge)
    {
        SettingValidation.AssertRange(new PipelineStatsOptionsValidator(), PipelineStatsOptions.SectionName, key, refused, edge);
    }

    [Fact]
    public void TheMessageSaysWhyReportsMustBeFrequent()
    {
        Assert.Equal(
            "Stats:ReportInterval must be between 00:00:00.1 and 00:00:10 (was 00:00:11); the cluster drops reports older than 30 s.",
            SettingValidation.Failure(new PipelineStatsOptionsValidator(), PipelineStatsOptions.SectionName, "ReportInterval", "00:00:11"));
    }

    [Fact]
    public void AStatusLineIntervalOfAnyLengthIsAccepted()
    {
        Assert.Null(SettingValidation.Failure(new PipelineStatsOptionsValidator(), PipelineStatsOptions.SectionName, "StatusLineInterval", TimeSpan.MaxValue.ToString()));
    }
}
