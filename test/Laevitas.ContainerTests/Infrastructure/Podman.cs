using System.Diagnostics;
using System.Globalization;

namespace Laevitas.ContainerTests.Infrastructure;

/// <summary>
/// Runs podman. Every container of a run carries <see cref="OwnerLabel"/> with the test process's id, so a run that
/// was killed outright leaves nothing that the next run does not remove (<see cref="RemoveOrphansAsync"/>).
/// </summary>
internal static class Podman
{
    public const string OwnerLabel = "org.laevitas.container-test.owner";

    /// <summary>
    /// What every container needs on this kind of machine: runc (crun refuses this kernel's hybrid cgroup layout), the
    /// host network (no bridge needed: every port is on 127.0.0.1) and ulimits no higher than the current ones
    /// (a container may not raise them; runc could not set nproc above 32768 here, as deploy/docker/build-local.sh notes).
    /// </summary>
    public static IReadOnlyList<string> MachineArguments { get; } =
    [
        "--runtime", "runc", "--network", "host",
        "--ulimit", $"nofile={Limit("Max open files", 1_048_576)}:{Limit("Max open files", 1_048_576)}",
        "--ulimit", $"nproc={Limit("Max processes", 32_768)}:{Limit("Max processes", 32_768)}",
        "--label", $"{OwnerLabel}={Environment.ProcessId}",
    ];

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("podman") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("podman did not start");
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
            throw new TimeoutException($"podman {string.Join(' ', start.ArgumentList)} did not finish within {timeout.TotalSeconds:0} s");
        }

        return (process.ExitCode, await output, await error);
    }

    /// <summary>Runs podman and returns its standard output; a non-zero exit fails with what podman said.</summary>
    public static async Task<string> CheckedAsync(TimeSpan timeout, params string[] arguments)
    {
        var (code, output, error) = await RunAsync(arguments, timeout);
        if (code != 0)
        {
            throw new InvalidOperationException($"podman {string.Join(' ', arguments)} exited with {code}: {error.Trim()} {output.Trim()}");
        }

        return output;
    }

    /// <summary>Removes containers of earlier runs whose test process is gone.</summary>
    public static async Task RemoveOrphansAsync()
    {
        var listing = await CheckedAsync(TimeSpan.FromSeconds(30), "ps", "-a", "--filter", $"label={OwnerLabel}", "--format", $"{{{{.Names}}}} {{{{index .Labels \"{OwnerLabel}\"}}}}");
        foreach (var line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ');
            if (parts.Length == 2 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var owner) && !Directory.Exists($"/proc/{owner}"))
            {
                await RunAsync(["rm", "-f", "-t", "0", parts[0]], TimeSpan.FromSeconds(60));
            }
        }
    }

    /// <summary>The process's soft limit (from /proc/self/limits; dash's ulimit has no -u), capped.</summary>
    private static string Limit(string name, int cap)
    {
        var line = File.ReadLines("/proc/self/limits").Single(l => l.StartsWith(name, StringComparison.Ordinal));
        var soft = line[name.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return long.TryParse(soft, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value < cap
            ? value.ToString(CultureInfo.InvariantCulture)
            : cap.ToString(CultureInfo.InvariantCulture);
    }
}
