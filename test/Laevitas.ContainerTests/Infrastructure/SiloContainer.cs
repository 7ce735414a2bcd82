using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Laevitas.ContainerTests.Infrastructure;

/// <summary>
/// One silo pod as a container of the silo image: the Deployment's user, read-only root filesystem, dropped
/// capabilities and emptyDir volumes (as tmpfs), its environment, and the kubelet's probe and stop behaviour.
/// On the host network every container needs ports of its own; the ports are the only per-pod difference.
/// </summary>
internal sealed class SiloContainer
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };

    public SiloContainer(string name, int siloPort, int gatewayPort, int httpPort)
    {
        Name = name;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        HttpPort = httpPort;
    }

    public string Name { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public int HttpPort { get; }

    public Stopwatch? SinceStart { get; private set; }

    public TimeSpan? TimeToReady { get; private set; }

    public string LastReadiness { get; private set; } = "not asked yet";

    public async Task StartAsync(DeployManifests manifests, string image, IReadOnlyDictionary<string, string> environment)
    {
        var pod = manifests.Template.Spec;
        var security = manifests.Silo.SecurityContext;
        var arguments = new List<string> { "run", "--detach", "--name", Name };
        arguments.AddRange(Podman.MachineArguments);
        arguments.AddRange(["--user", $"{pod.SecurityContext.RunAsUser}:{pod.SecurityContext.RunAsGroup}"]);
        if (security.ReadOnlyRootFilesystem == true)
        {
            arguments.Add("--read-only");
        }

        foreach (var capability in security.Capabilities?.Drop ?? [])
        {
            arguments.AddRange(["--cap-drop", capability]);
        }

        if (security.AllowPrivilegeEscalation == false)
        {
            arguments.AddRange(["--security-opt", "no-new-privileges"]);
        }

        // emptyDir volumes become tmpfs mounts writable by the pod's group (what fsGroup gives an emptyDir).
        foreach (var mount in manifests.Silo.VolumeMounts)
        {
            var volume = pod.Volumes.Single(v => v.Name == mount.Name);
            if (volume.Secret is not null)
            {
                // The Orleans TLS certificate's Secret is not emulated: the test removes the Orleans__Tls__* paths that
                // point into it, so these containers run without TLS (shown by Laevitas.Tests' OrleansTlsClusterTests).
                continue;
            }

            if (volume.EmptyDir is null)
            {
                throw new InvalidOperationException($"volume {volume.Name}: only emptyDir is emulated here");
            }

            arguments.AddRange(["--tmpfs", $"{mount.MountPath}:rw,mode=1777"]);
        }

        foreach (var (key, value) in environment)
        {
            arguments.AddRange(["--env", $"{key}={value}"]);
        }

        arguments.Add(image);
        SinceStart = Stopwatch.StartNew();
        await Podman.CheckedAsync(TimeSpan.FromSeconds(60), [.. arguments]);
    }

    /// <summary>
    /// Polls the readiness probe's path as the kubelet does, up to the startup probe's budget
    /// (periodSeconds × failureThreshold). Fails at once when the container exits.
    /// </summary>
    public async Task WaitReadyAsync(string path, TimeSpan budget, Func<HttpStatusCode, string, bool> isReady)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{HttpPort}{path}"));
                var body = await response.Content.ReadAsStringAsync();
                LastReadiness = $"{(int)response.StatusCode} {Failed(body)}";
                if (isReady(response.StatusCode, body))
                {
                    TimeToReady ??= SinceStart!.Elapsed;
                    return;
                }
            }
            catch (HttpRequestException ex)
            {
                LastReadiness = ex.Message;
            }
            catch (TaskCanceledException)
            {
                LastReadiness = "probe timed out";
            }

            var state = await StateAsync();
            if (state.Status is "exited" or "stopped")
            {
                throw new InvalidOperationException($"{Name} exited with code {state.ExitCode} before it was ready; log tail:\n{await LogTailAsync()}");
            }

            if (deadline.Elapsed > budget)
            {
                throw new TimeoutException($"{Name} not ready within {budget.TotalSeconds:0} s (last probe: {LastReadiness}); log tail:\n{await LogTailAsync()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
    }

    /// <summary>
    /// What the kubelet does to a pod being replaced: the preStop pause, then SIGTERM, then SIGKILL when the rest of the
    /// grace period is over. Returns how long the process took from SIGTERM to exit, and its exit code.
    /// </summary>
    public async Task<(TimeSpan ShutDown, int ExitCode, bool Killed)> StopLikeKubeletAsync(TimeSpan preStop, TimeSpan grace)
    {
        await Task.Delay(preStop);
        var remaining = (int)Math.Ceiling((grace - preStop).TotalSeconds);
        var stopwatch = Stopwatch.StartNew();
        await Podman.CheckedAsync(TimeSpan.FromSeconds(remaining + 30), "stop", "--time", remaining.ToString(CultureInfo.InvariantCulture), Name);
        var elapsed = stopwatch.Elapsed;
        var state = await StateAsync();
        return (elapsed, state.ExitCode, state.ExitCode == 137 || elapsed.TotalSeconds >= remaining);
    }

    public async Task<(string Status, int ExitCode)> StateAsync()
    {
        var text = await Podman.CheckedAsync(TimeSpan.FromSeconds(30), "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", Name);
        var parts = text.Trim().Split(' ');
        return (parts[0], int.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    public async Task<string> LogTailAsync(int lines = 40)
    {
        var (_, output, error) = await Podman.RunAsync(["logs", "--tail", lines.ToString(CultureInfo.InvariantCulture), Name], TimeSpan.FromSeconds(30));
        return output + error;
    }

    public async Task SaveLogAsync(string directory)
    {
        var (_, output, error) = await Podman.RunAsync(["logs", Name], TimeSpan.FromSeconds(60));
        await File.WriteAllTextAsync(Path.Combine(directory, Name + ".log"), output + error);
    }

    public Task RemoveAsync() => Podman.RunAsync(["rm", "--force", "--time", "0", Name], TimeSpan.FromSeconds(60));

    private static string Failed(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("failed", out var failed) ? "failed: " + failed.ToString() : "";
        }
        catch (JsonException)
        {
            return "";
        }
    }
}
