using System.Diagnostics;

namespace Laevitas.Tests.Silo.Api;

/// <summary>
/// Debian's <c>chromium</c> in headless mode (installed by scripts/prerequisites.sh --tests, which ./test.sh runs; <c>LAEVITAS_CHROMIUM</c> names
/// another binary). Each run gets a fresh profile and is killed if it outlives its timeout.
/// </summary>
internal static class HeadlessChromium
{
    public static string? Find()
    {
        var configured = Environment.GetEnvironmentVariable("LAEVITAS_CHROMIUM");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured) ? configured : null;
        }

        foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome" })
        {
            foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                var path = Path.Combine(directory, name);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }

        return null;
    }

    /// <summary>The DOM after the page's scripts ran for <paramref name="scriptTime"/> of virtual time.</summary>
    public static async Task<string> DumpDomAsync(string url, TimeSpan scriptTime, TimeSpan timeout) =>
        (await RunAsync(url, scriptTime, timeout, "--dump-dom")).Output;

    /// <summary>Writes a PNG of the page to <paramref name="path"/>.</summary>
    public static Task ScreenshotAsync(string url, string path, TimeSpan scriptTime, TimeSpan timeout) =>
        RunAsync(url, scriptTime, timeout, $"--screenshot={path}", "--window-size=1400,900", "--hide-scrollbars");

    private static async Task<(string Output, string Error)> RunAsync(string url, TimeSpan scriptTime, TimeSpan timeout, params string[] mode)
    {
        var binary = Find() ?? throw new InvalidOperationException(
            "No headless browser: install Debian's chromium (scripts/prerequisites.sh --tests does) or set LAEVITAS_CHROMIUM to a Chrome/Chromium binary.");
        var profile = Directory.CreateTempSubdirectory("laevitas-chromium-");
        try
        {
            var start = new ProcessStartInfo(binary)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[]
                     {
                         "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", $"--user-data-dir={profile.FullName}",
                         $"--virtual-time-budget={(int)scriptTime.TotalMilliseconds}",
                     }.Concat(mode).Append(url))
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium did not finish loading {url} within {timeout.TotalSeconds:0} s");
            }

            var result = (await output, await error);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"chromium exited with {process.ExitCode}: {result.Item2}");
            }

            return result;
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
