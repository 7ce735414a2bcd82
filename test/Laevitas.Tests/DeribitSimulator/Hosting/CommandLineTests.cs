using Laevitas.DeribitSimulator.Hosting;

namespace Laevitas.Tests.DeribitSimulator.Hosting;

public class CommandLineTests
{
    [Theory]
    [InlineData("--port", "70000")]
    [InlineData("--instruments", "0")]
    [InlineData("--rate", "fast")]
    [InlineData("--client-id", "only-the-id")]
    [InlineData("--churn-interval", "-1")]
    public async Task BadArgumentsFailWithoutStarting(params string[] args) =>
        Assert.Equal(1, await SimulatorCommandLine.RunAsync(args));

    [Fact]
    public async Task HelpSucceeds() => Assert.Equal(0, await SimulatorCommandLine.RunAsync(["--help"]));
}
