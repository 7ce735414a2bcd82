using Laevitas.Grains.Instruments;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Grains.Instruments;

public sealed class InstrumentGrainOptionsTests
{
    [Theory]
    [InlineData("PersistInterval", "00:00:00.0999999", "00:00:00.1")]
    [InlineData("PersistInterval", "01:00:00.0000001", "01:00:00")]
    [InlineData("DeliveryWait", "-00:00:00.0000001", "00:00:00")]
    [InlineData("DeliveryWait", "00:00:10.0000001", "00:00:10")]
    [InlineData("AcceptHorizon", "00:00:00.9999999", "00:00:01")]
    [InlineData("AcceptHorizon", "01:00:00.0000001", "01:00:00")]
    [InlineData("AcceptCapacity", "15", "16")]
    [InlineData("AcceptCapacity", "65537", "65536")]
    [InlineData("StateReadTimeout", "00:00:00.0999999", "00:00:00.1")]
    [InlineData("StateReadTimeout", "00:00:20.0000001", "00:00:20")]
    public void ARangeAcceptsItsEdgeAndRefusesTheValueJustPastItNamingTheKey(string key, string refused, string edge)
    {
        SettingValidation.AssertRange(new InstrumentGrainOptionsValidator(), InstrumentGrainOptions.SectionName, key, refused, edge);
    }

    [Fact]
    public void TheDefaultsAreValid()
    {
        Assert.True(new InstrumentGrainOptionsValidator().Validate(null, new InstrumentGrainOptions()).Succeeded);
    }
}
