using Laevitas.Testing;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Silo.Api;
using Laevitas.Tests.Infrastructure;

namespace Laevitas.Tests.Silo.Api;

/// <summary>The Orleans dashboard, loaded in a real headless browser from the silo's HTTP port.</summary>
[Collection(ApiCollection.Name)]
public sealed class DashboardBrowserTests(ApiEnvironment environment)
{
    private static readonly TimeSpan ScriptTime = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan BrowserTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task DashboardShowsTheGrainTypesInChromium()
    {
        var silo = await environment.SiloAsync();
        await ApiWait.InstrumentWithTicksAsync(environment, silo, InstrumentKind.Option);
        var url = new Uri(silo.BaseAddress, ApiHostingExtensions.DashboardPath.TrimStart('/') + "/#/grains").ToString();

        // The page polls the silo every second; give its scripts a few polls of (virtual) time to fill the table.
        var dom = "";
        await Eventually.TrueAsync(async () =>
            {
                dom = await HeadlessChromium.DumpDomAsync(url, ScriptTime, BrowserTimeout);
                return dom.Contains(">InstrumentGrain<", StringComparison.Ordinal);
            },
            TimeSpan.FromSeconds(90), "the dashboard's grain table to list InstrumentGrain", () => dom.Length > 3000 ? dom[..3000] : dom);

        Assert.Contains("<title>Orleans Dashboard</title>", dom, StringComparison.Ordinal);
        Assert.Contains("Activations by Type", dom, StringComparison.Ordinal);
        foreach (var grainType in new[] { "InstrumentGrain", "InstrumentRegistryGrain", "PipelineStatsGrain" })
        {
            Assert.Contains($">{grainType}<", dom, StringComparison.Ordinal);
        }

        // LAEVITAS_DASHBOARD_SCREENSHOT=docs/dashboard.png refreshes the README's picture from this run.
        var screenshot = Environment.GetEnvironmentVariable("LAEVITAS_DASHBOARD_SCREENSHOT") is { Length: > 0 } target
            ? Path.GetFullPath(target)
            : Path.Combine(Path.GetTempPath(), $"laevitas-dashboard-{Guid.NewGuid():N}.png");
        try
        {
            await HeadlessChromium.ScreenshotAsync(url, screenshot, ScriptTime, BrowserTimeout);
            var bytes = await File.ReadAllBytesAsync(screenshot);
            Assert.True(bytes.Length > 10_000, $"screenshot is only {bytes.Length} bytes");
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, bytes[..4]);
        }
        finally
        {
            if (Environment.GetEnvironmentVariable("LAEVITAS_DASHBOARD_SCREENSHOT") is not { Length: > 0 })
            {
                File.Delete(screenshot);
            }
        }
    }
}
