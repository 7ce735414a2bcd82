using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using Laevitas.Grains.Abstractions.Clustering;
using Orleans.Hosting.Kubernetes;

namespace Laevitas.Tests.Deploy;

/// <summary>
/// Offline checks of deploy/k8s: the objects load strictly into the Kubernetes models (see
/// <see cref="KubernetesManifests"/>), and the pieces agree with each other and with the code — labels and selectors,
/// ports, probes, RBAC for Microsoft.Orleans.Hosting.Kubernetes, configuration keys, no secret values.
/// </summary>
public sealed partial class ManifestTests
{
    private readonly KubernetesManifests manifests = KubernetesManifests.Load();

    private V1Deployment Deployment => manifests.Single<V1Deployment>();

    private V1PodSpec Pod => Deployment.Spec.Template.Spec;

    private V1Container Silo => Assert.Single(Pod.Containers);

    private V1ConfigMap ConfigMap => manifests.Single<V1ConfigMap>();

    [Fact]
    public void EveryManifestFileIsInTheKustomizationExceptTheSecretExample()
    {
        var yamlFiles = Directory.GetFiles(RepositoryFiles.PathOf(KubernetesManifests.Directory), "*.yaml")
            .Select(Path.GetFileName)
            .Where(f => f is not "kustomization.yaml" and not "secret.example.yaml")
            .Order();

        Assert.Equal(yamlFiles, manifests.ResourceFiles.Order());
        Assert.DoesNotContain("secret.example.yaml", manifests.ResourceFiles);
        Assert.Empty(manifests.OfType<V1Secret>());
    }

    [Fact]
    public void EveryObjectHasApiVersionKindAndNameAndLivesInTheLaevitasNamespace()
    {
        Assert.Equal("laevitas", manifests.Namespace);
        Assert.Equal(10, manifests.Objects.Count);
        foreach (var (file, o) in manifests.Objects)
        {
            var k = Assert.IsAssignableFrom<IKubernetesObject<V1ObjectMeta>>(o);
            Assert.False(string.IsNullOrWhiteSpace(k.ApiVersion), $"{file}: apiVersion missing");
            Assert.False(string.IsNullOrWhiteSpace(k.Kind), $"{file}: kind missing");
            Assert.False(string.IsNullOrWhiteSpace(k.Metadata?.Name), $"{file}: metadata.name missing on {k.Kind}");
            Assert.True(k.Metadata!.NamespaceProperty is null or "laevitas", $"{KubernetesManifests.Describe(o)} is pinned to another namespace");
        }

        Assert.Equal("laevitas", manifests.Single<V1Namespace>().Metadata.Name);
    }

    [Fact]
    public void TheDeploymentSelectorMatchesItsPodsAndThePodsCarryTheOrleansLabels()
    {
        var labels = Deployment.Spec.Template.Metadata.Labels;
        Assert.NotEmpty(Deployment.Spec.Selector.MatchLabels);
        foreach (var (key, value) in Deployment.Spec.Selector.MatchLabels)
        {
            Assert.True(labels.TryGetValue(key, out var actual) && actual == value, $"selector {key}={value} does not match the pod template");
        }

        Assert.Equal(3, Deployment.Spec.Replicas);
        Assert.False(string.IsNullOrWhiteSpace(labels[KubernetesHostingOptions.ServiceIdLabel]));
        Assert.False(string.IsNullOrWhiteSpace(labels[KubernetesHostingOptions.ClusterIdLabel]));
    }

    [Fact]
    public void TheSiloGetsItsIdentityFromTheDownwardApiAsTheHostingPackageExpects()
    {
        var env = Silo.Env.ToDictionary(e => e.Name);
        Assert.Equal("metadata.name", env[KubernetesHostingOptions.PodNameEnvironmentVariable].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("metadata.namespace", env[KubernetesHostingOptions.PodNamespaceEnvironmentVariable].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("status.podIP", env[KubernetesHostingOptions.PodIPEnvironmentVariable].ValueFrom.FieldRef.FieldPath);
        var serviceIdFromLabel = $"metadata.labels['{KubernetesHostingOptions.ServiceIdLabel}']";
        var clusterIdFromLabel = $"metadata.labels['{KubernetesHostingOptions.ClusterIdLabel}']";
        Assert.Equal(serviceIdFromLabel, env[KubernetesHostingOptions.ServiceIdEnvironmentVariable].ValueFrom.FieldRef.FieldPath);
        Assert.Equal(clusterIdFromLabel, env[KubernetesHostingOptions.ClusterIdEnvironmentVariable].ValueFrom.FieldRef.FieldPath);
        Assert.Equal(serviceIdFromLabel, env["Orleans__ServiceId"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal(clusterIdFromLabel, env["Orleans__ClusterId"].ValueFrom.FieldRef.FieldPath);
        // One source of truth for the ids: the labels, not the ConfigMap.
        Assert.DoesNotContain(ConfigMap.Data.Keys, k => k is "Orleans__ClusterId" or "Orleans__ServiceId");
    }

    [Fact]
    public void TheSiloRunsInKubernetesClusteringModeWithThePortsItExposes()
    {
        var data = ConfigMap.Data;
        Assert.True(Enum.TryParse<ClusteringMode>(data["Orleans__ClusteringMode"], ignoreCase: true, out var mode));
        Assert.Equal(ClusteringMode.Kubernetes, mode);

        var ports = Silo.Ports.ToDictionary(p => p.Name, p => p.ContainerPort);
        Assert.Equal(int.Parse(data["Orleans__SiloPort"]), ports["silo"]);
        Assert.Equal(int.Parse(data["Orleans__GatewayPort"]), ports["gateway"]);
        Assert.Equal(8080, ports["http"]);
    }

    [Fact]
    public void ProbesPointAtTheHealthEndpointsOnTheHttpPort()
    {
        Assert.Equal("/health/live", Silo.LivenessProbe.HttpGet.Path);
        Assert.Equal("/health/ready", Silo.ReadinessProbe.HttpGet.Path);
        Assert.Equal("/health/live", Silo.StartupProbe.HttpGet.Path);
        foreach (var probe in new[] { Silo.LivenessProbe, Silo.ReadinessProbe, Silo.StartupProbe })
        {
            Assert.Equal("http", probe.HttpGet.Port.Value);
        }

        // Joining a cluster takes a while: the startup probe must allow it before liveness can restart the silo.
        Assert.True(Silo.StartupProbe.PeriodSeconds * Silo.StartupProbe.FailureThreshold >= 60);
    }

    [Fact]
    public void RequestsAndLimitsAreSet()
    {
        foreach (var part in new[] { Silo.Resources.Requests, Silo.Resources.Limits })
        {
            Assert.True(part.ContainsKey("cpu") && part.ContainsKey("memory"), "cpu and memory must both be set");
        }

        Assert.True(Silo.Resources.Limits["memory"].ToDecimal() >= Silo.Resources.Requests["memory"].ToDecimal());
        Assert.True(Silo.Resources.Limits["cpu"].ToDecimal() >= Silo.Resources.Requests["cpu"].ToDecimal());
    }

    [Fact]
    public void ShutdownLeavesTheSiloTimeToHandOffBeforeItIsKilled()
    {
        var grace = Pod.TerminationGracePeriodSeconds!.Value;
        var preStop = Silo.Lifecycle.PreStop.Sleep.Seconds;
        var hostShutdown = int.Parse(ConfigMap.Data["shutdownTimeoutSeconds"]);

        Assert.InRange(grace, 60, 120);
        Assert.True(preStop + hostShutdown < grace, $"preStop {preStop} s + host shutdown {hostShutdown} s must fit in the grace period {grace} s");
    }

    [Fact]
    public void TheSiloRunsUnprivileged()
    {
        Assert.True(Pod.SecurityContext.RunAsNonRoot);
        Assert.NotEqual(0, Pod.SecurityContext.RunAsUser);
        Assert.False(Silo.SecurityContext.AllowPrivilegeEscalation);
        Assert.True(Silo.SecurityContext.ReadOnlyRootFilesystem);
        Assert.Contains("ALL", Silo.SecurityContext.Capabilities.Drop);
        // With a read-only root, everything the silo writes must be a volume.
        var mounts = Silo.VolumeMounts.Select(m => m.MountPath).ToList();
        Assert.Contains("/tmp", mounts);
        Assert.Contains(mounts, m => ConfigMap.Data["Publisher__SpoolDirectory"].StartsWith(m + "/", StringComparison.Ordinal));
        Assert.All(Silo.VolumeMounts, m => Assert.Contains(Pod.Volumes, v => v.Name == m.Name));
    }

    [Fact]
    public void ThePodsServiceAccountHasThePodPermissionsTheKubernetesHostingPackageUses()
    {
        var account = manifests.Single<V1ServiceAccount>();
        var role = manifests.Single<V1Role>();
        var binding = manifests.Single<V1RoleBinding>();

        Assert.Equal(account.Metadata.Name, Pod.ServiceAccountName);
        Assert.NotEqual(false, Pod.AutomountServiceAccountToken);
        Assert.Equal(("Role", role.Metadata.Name), (binding.RoleRef.Kind, binding.RoleRef.Name));
        var subject = Assert.Single(binding.Subjects);
        Assert.Equal(("ServiceAccount", account.Metadata.Name, manifests.Namespace), (subject.Kind, subject.Name, subject.NamespaceProperty));

        var podRule = Assert.Single(role.Rules, r => r.ApiGroups.Contains("") && r.Resources.Contains("pods"));
        // get/patch: label its own pod; list/watch: follow the cluster's pods; delete: remove pods of dead silos.
        Assert.Equal(new[] { "delete", "get", "list", "patch", "watch" }, podRule.Verbs.Order());
        Assert.DoesNotContain(role.Rules, r => r.Verbs.Contains("*") || r.Resources.Contains("*") || r.Resources.Contains("secrets"));
    }

    [Fact]
    public void ServicesSelectTheSiloPodsAndTargetPortsTheContainerExposes()
    {
        var labels = Deployment.Spec.Template.Metadata.Labels;
        var containerPorts = Silo.Ports.ToDictionary(p => p.Name, p => p.ContainerPort);
        var services = manifests.OfType<V1Service>().ToDictionary(s => s.Metadata.Name);

        Assert.Equal(new[] { "laevitas-gateway", "laevitas-http" }, services.Keys.Order());
        foreach (var service in services.Values)
        {
            Assert.All(service.Spec.Selector, s => Assert.Equal(s.Value, labels[s.Key]));
            foreach (var port in service.Spec.Ports)
            {
                var target = port.TargetPort.Value;
                Assert.True(
                    containerPorts.ContainsKey(target) || containerPorts.ContainsValue(int.TryParse(target, out var n) ? n : -1),
                    $"{service.Metadata.Name} targets port '{target}', which the silo container does not expose");
            }
        }

        Assert.Equal("gateway", Assert.Single(services["laevitas-gateway"].Spec.Ports).TargetPort.Value);
        Assert.Equal("http", Assert.Single(services["laevitas-http"].Spec.Ports).TargetPort.Value);
    }

    [Fact]
    public void TheDisruptionBudgetTakesDownOneSiloAtATime()
    {
        var budget = manifests.Single<V1PodDisruptionBudget>();
        var labels = Deployment.Spec.Template.Metadata.Labels;

        Assert.Equal("1", budget.Spec.MaxUnavailable.Value);
        Assert.All(budget.Spec.Selector.MatchLabels, s => Assert.Equal(s.Value, labels[s.Key]));
    }

    [Fact]
    public void ConfigurationReferencesResolveToTheConfigmapAndTheDocumentedSecret()
    {
        var exampleSecret = Assert.IsType<V1Secret>(Assert.Single(KubernetesManifests.LoadObjects("secret.example.yaml")));
        var configMapRefs = Silo.EnvFrom.Where(e => e.ConfigMapRef is not null).Select(e => e.ConfigMapRef.Name).ToList();
        var secretRefs = Silo.EnvFrom.Where(e => e.SecretRef is not null).Select(e => e.SecretRef.Name).ToList();

        Assert.Equal([ConfigMap.Metadata.Name], configMapRefs);
        Assert.Equal([exampleSecret.Metadata.Name], secretRefs);
        foreach (var env in Silo.Env.Where(e => e.ValueFrom?.ConfigMapKeyRef is not null))
        {
            var reference = env.ValueFrom.ConfigMapKeyRef;
            Assert.Equal(ConfigMap.Metadata.Name, reference.Name);
            Assert.True(ConfigMap.Data.ContainsKey(reference.Key), $"{env.Name} reads missing ConfigMap key {reference.Key}");
        }

        foreach (var env in Silo.Env.Where(e => e.ValueFrom?.SecretKeyRef is not null))
        {
            Assert.True(exampleSecret.StringData.ContainsKey(env.ValueFrom.SecretKeyRef.Key), $"{env.Name} reads a secret key the example does not document");
        }

        Assert.All(ConfigMap.Data.Keys, key => Assert.Matches(EnvironmentVariableName(), key));
    }

    [Fact]
    public void NoSecretValueIsCommitted()
    {
        // Credentials only come through the Secret; the ConfigMap and literal env values must not carry any.
        var suspicious = SecretLooking();
        Assert.All(ConfigMap.Data, kv => Assert.False(suspicious.IsMatch(kv.Key) || suspicious.IsMatch(kv.Value), $"ConfigMap {kv.Key} looks like a credential"));
        Assert.All(Silo.Env.Where(e => e.Value is not null), e => Assert.False(suspicious.IsMatch(e.Name) || suspicious.IsMatch(e.Value), $"env {e.Name} looks like a credential"));
        Assert.DoesNotContain(ConfigMap.Data.Keys, k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal));

        // The example secret holds placeholders only: every value is empty or has <...> where the secret goes.
        var exampleSecret = Assert.IsType<V1Secret>(Assert.Single(KubernetesManifests.LoadObjects("secret.example.yaml")));
        Assert.Null(exampleSecret.Data);
        Assert.All(exampleSecret.StringData, kv =>
        {
            foreach (Match secretPart in CredentialPart().Matches(kv.Value))
            {
                Assert.Matches("^<[^>]+>$", secretPart.Groups["value"].Value);
            }

            Assert.True(kv.Value.Length == 0 || kv.Value.Contains('<'), $"{kv.Key} in the example secret is not a placeholder");
        });
    }

    [Fact]
    public void TheApiKeyComesFromTheSecretAndIsRequired()
    {
        var exampleSecret = Assert.IsType<V1Secret>(Assert.Single(KubernetesManifests.LoadObjects("secret.example.yaml")));
        var apiKeys = Assert.Single(Silo.Env, e => e.Name == "Api__Keys");

        // A secretKeyRef (not only envFrom): a Secret without the key keeps the pod from starting instead of serving an open API.
        Assert.Null(apiKeys.Value);
        Assert.Equal(exampleSecret.Metadata.Name, apiKeys.ValueFrom.SecretKeyRef.Name);
        Assert.Equal("Api__Keys", apiKeys.ValueFrom.SecretKeyRef.Key);
        Assert.NotEqual(true, apiKeys.ValueFrom.SecretKeyRef.Optional);
        Assert.Contains("<", exampleSecret.StringData["Api__Keys"], StringComparison.Ordinal);
    }

    [Fact]
    public void OrleansTlsIsOnWithTheCertificateFilesOfAReadOnlySecretVolume()
    {
        var env = Silo.Env.Where(e => e.Name.StartsWith("Orleans__Tls__", StringComparison.Ordinal)).ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal(["Orleans__Tls__CaPath", "Orleans__Tls__CertificatePath", "Orleans__Tls__KeyPath"], env.Keys.Order());

        var mount = Assert.Single(Silo.VolumeMounts, m => env.Values.All(path => Path.GetDirectoryName(path) == m.MountPath));
        Assert.True(mount.ReadOnlyProperty);
        var volume = Assert.Single(Pod.Volumes, v => v.Name == mount.Name);
        Assert.Equal("laevitas-orleans-tls", volume.Secret.SecretName);
        // The key names of a kubernetes.io/tls Secret (and of cert-manager's, which adds ca.crt).
        Assert.Equal(["ca.crt", "tls.crt", "tls.key"], env.Values.Select(Path.GetFileName).Order());
        // Readable by the pod's group (fsGroup), by no one else.
        Assert.Equal(0, volume.Secret.DefaultMode!.Value & 0b000_000_111);
        Assert.DoesNotContain(ConfigMap.Data.Keys, k => k.StartsWith("Orleans__Tls__", StringComparison.Ordinal));
    }

    [Fact]
    public void TheNetworkPolicyAdmitsOnlySilosToTheSiloPortAndOnlyClientsIngressAndPrometheusToTheOthers()
    {
        var policy = manifests.Single<V1NetworkPolicy>();
        var podLabels = Deployment.Spec.Template.Metadata.Labels;
        var containerPorts = Silo.Ports.Select(p => p.Name).ToHashSet();

        Assert.Equal(["Ingress"], policy.Spec.PolicyTypes);
        Assert.All(policy.Spec.PodSelector.MatchLabels, l => Assert.Equal(l.Value, podLabels[l.Key]));
        // Every rule names its ports, by names the container exposes (a rule without ports would open all of them).
        Assert.All(policy.Spec.Ingress, rule => Assert.NotEmpty(rule.Ports));
        Assert.All(policy.Spec.Ingress.SelectMany(r => r.Ports), p => Assert.Contains(p.Port.Value, containerPorts));

        var siloRules = policy.Spec.Ingress.Where(r => r.Ports.Any(p => p.Port.Value == "silo")).ToList();
        var siloRule = Assert.Single(siloRules);
        var peer = Assert.Single(siloRule.FromProperty);
        Assert.Null(peer.NamespaceSelector);
        Assert.Null(peer.IpBlock);
        Assert.Equal(Deployment.Spec.Selector.MatchLabels, peer.PodSelector.MatchLabels);
        Assert.Equal(["silo"], siloRule.Ports.Select(p => p.Port.Value));

        // The silos themselves are not admitted to the gateway or HTTP ports, nor anything to everything.
        foreach (var rule in policy.Spec.Ingress.Where(r => r != siloRule))
        {
            Assert.NotEmpty(rule.FromProperty);
            Assert.DoesNotContain(rule.FromProperty, p => p.PodSelector?.MatchLabels?.SequenceEqual(Deployment.Spec.Selector.MatchLabels) == true);
            Assert.DoesNotContain(rule.FromProperty, p => p.PodSelector is null && p.NamespaceSelector is null && p.IpBlock is null);
        }

        var gatewayPeers = policy.Spec.Ingress.Where(r => r.Ports.Any(p => p.Port.Value == "gateway")).SelectMany(r => r.FromProperty).ToList();
        Assert.Equal(["laevitas.io/client=true"], gatewayPeers.SelectMany(p => p.PodSelector.MatchLabels).Select(l => $"{l.Key}={l.Value}"));
        var httpPeers = policy.Spec.Ingress.Where(r => r.Ports.Any(p => p.Port.Value == "http")).SelectMany(r => r.FromProperty).ToList();
        Assert.Contains(httpPeers, p => Label(p.NamespaceSelector, "kubernetes.io/metadata.name") == "ingress-nginx");
        Assert.Contains(httpPeers, p => Label(p.NamespaceSelector, "kubernetes.io/metadata.name") == "monitoring"
            && Label(p.PodSelector, "app.kubernetes.io/name") == "prometheus");
    }

    private static string? Label(V1LabelSelector? selector, string key) =>
        selector?.MatchLabels is { } labels && labels.TryGetValue(key, out var value) ? value : null;

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.]*$")]
    private static partial Regex EnvironmentVariableName();

    [GeneratedRegex(@"password|secret|passwd|token|apikey|api_key|private", RegexOptions.IgnoreCase)]
    private static partial Regex SecretLooking();

    // Npgsql-style "Password=...;" parts and their values.
    [GeneratedRegex(@"(?:Password|Pwd|User ?Id|Username)=(?<value>[^;]*)", RegexOptions.IgnoreCase)]
    private static partial Regex CredentialPart();
}
