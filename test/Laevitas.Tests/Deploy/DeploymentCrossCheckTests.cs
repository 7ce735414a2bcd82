using System.Reflection;
using System.Text.RegularExpressions;
using k8s.Models;
using Laevitas.Grains.Abstractions.Clustering;
using Laevitas.Silo.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using YamlDotNet.RepresentationModel;

namespace Laevitas.Tests.Deploy;

/// <summary>
/// deploy/k8s against what the images and the silo actually use: the image name against the kustomization and the
/// Dockerfiles build-local.sh builds, ports against the image's ENV/EXPOSE and the silo's defaults, probe paths against
/// the endpoints the silo maps, every environment key against a configuration key the silo binds, and every volume
/// against where the silo writes. Each fails when the two sides disagree.
/// </summary>
public sealed partial class DeploymentCrossCheckTests
{
    private readonly KubernetesManifests manifests = KubernetesManifests.Load();

    private V1Container Silo => Assert.Single(manifests.Single<V1Deployment>().Spec.Template.Spec.Containers);

    private V1ConfigMap ConfigMap => manifests.Single<V1ConfigMap>();

    private static string Dockerfile(string name) => File.ReadAllText(RepositoryFiles.PathOf("deploy", "docker", name));

    [Fact]
    public void TheImageNameIsTheOneTheKustomizationSetsAndBuildLocalBuilds()
    {
        var kustomization = (YamlMappingNode)KubernetesManifests.LoadYaml(RepositoryFiles.PathOf(KubernetesManifests.Directory, "kustomization.yaml")).Documents.Single().RootNode;
        var images = ((YamlSequenceNode)kustomization.Children[new YamlScalarNode("images")]).Children.Cast<YamlMappingNode>()
            .Select(i => ((YamlScalarNode)i.Children[new YamlScalarNode("name")]).Value).ToList();

        Assert.Equal([Silo.Image], images);
        // build-local.sh tags laevitas-<name> from deploy/docker/<name>.Dockerfile.
        var buildScript = File.ReadAllText(RepositoryFiles.PathOf("deploy", "docker", "build-local.sh"));
        Assert.Matches(@"localhost/laevitas-\$name:\$tag", buildScript);
        Assert.StartsWith("laevitas-", Silo.Image, StringComparison.Ordinal);
        Assert.True(File.Exists(RepositoryFiles.PathOf("deploy", "docker", Silo.Image["laevitas-".Length..] + ".Dockerfile")), $"no Dockerfile builds {Silo.Image}");
    }

    [Fact]
    public void PortsMatchTheImageAndTheSiloDefaults()
    {
        var ports = Silo.Ports.ToDictionary(p => p.Name, p => p.ContainerPort);
        var defaults = new ClusteringOptions();
        var httpPorts = HttpPortsEnv().Match(Dockerfile("silo.Dockerfile"));

        Assert.True(httpPorts.Success, "silo.Dockerfile sets ASPNETCORE_HTTP_PORTS");
        Assert.Equal(int.Parse(httpPorts.Groups[1].Value), ports["http"]);
        Assert.Equal(defaults.SiloPort, ports["silo"]);
        Assert.Equal(defaults.GatewayPort, ports["gateway"]);
        Assert.Equal(ports["silo"], int.Parse(ConfigMap.Data["Orleans__SiloPort"]));
        Assert.Equal(ports["gateway"], int.Parse(ConfigMap.Data["Orleans__GatewayPort"]));
        Assert.Equal(ports["http"].ToString(), manifests.Single<V1Deployment>().Spec.Template.Metadata.Annotations["prometheus.io/port"]);
    }

    [Fact]
    public void ProbePathsAreEndpointsTheSiloMaps()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddHealthChecks();
        var app = builder.Build();
        app.MapLaevitasHealthChecks();
        var routes = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/')).ToHashSet();

        foreach (var probe in new[] { Silo.StartupProbe, Silo.LivenessProbe, Silo.ReadinessProbe })
        {
            Assert.Contains(probe.HttpGet.Path, routes);
        }

        Assert.Equal("/metrics", manifests.Single<V1Deployment>().Spec.Template.Metadata.Annotations["prometheus.io/path"]);
    }

    [Fact]
    public void EveryEnvironmentKeyIsASettingTheSiloReads()
    {
        var example = Assert.IsType<V1Secret>(Assert.Single(KubernetesManifests.LoadObjects("secret.example.yaml")));
        var keys = ConfigMap.Data.Keys
            .Concat(Silo.Env.Select(e => e.Name))
            .Concat(example.StringData.Keys)
            // Commented-out keys of the example Secret are documented settings too.
            .Concat(CommentedSecretKeys().Matches(File.ReadAllText(RepositoryFiles.PathOf(KubernetesManifests.Directory, "secret.example.yaml"))).Select(m => m.Groups[1].Value));
        var sections = OptionsSections();

        foreach (var key in keys.Distinct())
        {
            Assert.True(IsKnown(key, sections), $"{key} in deploy/k8s is not a setting the silo reads (no options property, host or framework key matches it)");
        }
    }

    [Fact]
    public void EveryPlaceTheSiloWritesIsAVolumeAndEveryVolumeIsUsed()
    {
        var mounts = Silo.VolumeMounts.Where(m => m.ReadOnlyProperty != true).Select(m => m.MountPath).ToList();
        var spool = ConfigMap.Data["Publisher__SpoolDirectory"];

        // The root filesystem is read-only: the spool and .NET's temp files (diagnostics socket, Path.GetTempPath) need
        // writable mounts; no other mount is there without a use.
        Assert.Contains(mounts, m => spool.StartsWith(m + "/", StringComparison.Ordinal));
        Assert.Contains("/tmp", mounts);
        Assert.Equal(2, mounts.Count);
        // Read-only mounts hold files a setting of the silo names (the Orleans TLS certificate).
        var paths = Silo.Env.Where(e => e.Value is not null).Select(e => e.Value).ToList();
        Assert.All(Silo.VolumeMounts.Where(m => m.ReadOnlyProperty == true), m =>
            Assert.Contains(paths, p => p.StartsWith(m.MountPath + "/", StringComparison.Ordinal)));
        var pod = manifests.Single<V1Deployment>().Spec.Template.Spec;
        Assert.Equal(Silo.VolumeMounts.Select(m => m.Name).Order(), pod.Volumes.Select(v => v.Name).Order());
    }

    private static bool IsKnown(string key, IReadOnlyDictionary<string, Type> sections)
    {
        // Host and framework keys: the host's shutdown budget, logging filters, Kestrel's port, the Orleans Kubernetes
        // hosting package's downward-API variables, the connection string.
        if (key is "shutdownTimeoutSeconds" or "ASPNETCORE_HTTP_PORTS" or "POD_NAME" or "POD_NAMESPACE" or "POD_IP" or "ORLEANS_SERVICE_ID" or "ORLEANS_CLUSTER_ID"
            || key.StartsWith("Logging__LogLevel__", StringComparison.Ordinal)
            || key == "ConnectionStrings__Postgres")
        {
            return true;
        }

        var path = key.Split("__");
        for (var split = path.Length - 1; split >= 1; split--)
        {
            var section = string.Join(':', path[..split]);
            if (sections.TryGetValue(section, out var type))
            {
                var property = type.GetProperty(path[split], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
                return property is not null && split == path.Length - 1;
            }
        }

        return false;
    }

    /// <summary>Every options class of the Laevitas assemblies, by the configuration section it binds (its SectionName).</summary>
    private static Dictionary<string, Type> OptionsSections() =>
        Directory.GetFiles(AppContext.BaseDirectory, "Laevitas.*.dll")
            .Where(f => !Path.GetFileName(f).Contains("Tests", StringComparison.Ordinal))
            .Select(f => Assembly.LoadFrom(f))
            .SelectMany(a => a.GetTypes())
            .Select(t => (Type: t, Field: t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)))
            .Where(x => x.Field is { IsLiteral: true } && x.Field.FieldType == typeof(string))
            .ToDictionary(x => (string)x.Field!.GetRawConstantValue()!, x => x.Type, StringComparer.OrdinalIgnoreCase);

    [GeneratedRegex(@"ASPNETCORE_HTTP_PORTS=(\d+)")]
    private static partial Regex HttpPortsEnv();

    [GeneratedRegex(@"^\s*#\s*([A-Za-z]+__[A-Za-z_]+):", RegexOptions.Multiline)]
    private static partial Regex CommentedSecretKeys();
}
