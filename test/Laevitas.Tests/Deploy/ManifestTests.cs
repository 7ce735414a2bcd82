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
    public void Every_manifest_file_is_in_the_kustomization_except_the_secret_example()
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
    public void Every_object_has_apiVersion_kind_and_name_and_lives_in_the_laevitas_namespace()
    {
        Assert.Equal("laevitas", manifests.Namespace);
        Assert.Equal(9, manifests.Objects.Count);
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
    public void The_deployment_selector_matches_its_pods_and_the_pods_carry_the_orleans_labels()
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
    public void The_silo_gets_its_identity_from_the_downward_api_as_the_hosting_package_expects()
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
    public void The_silo_runs_in_kubernetes_clustering_mode_with_the_ports_it_exposes()
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
    public void Probes_point_at_the_health_endpoints_on_the_http_port()
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
    public void Requests_and_limits_are_set()
    {
        foreach (var part in new[] { Silo.Resources.Requests, Silo.Resources.Limits })
        {
            Assert.True(part.ContainsKey("cpu") && part.ContainsKey("memory"), "cpu and memory must both be set");
        }

        Assert.True(Silo.Resources.Limits["memory"].ToDecimal() >= Silo.Resources.Requests["memory"].ToDecimal());
        Assert.True(Silo.Resources.Limits["cpu"].ToDecimal() >= Silo.Resources.Requests["cpu"].ToDecimal());
    }

    [Fact]
    public void Shutdown_leaves_the_silo_time_to_hand_off_before_it_is_killed()
    {
        var grace = Pod.TerminationGracePeriodSeconds!.Value;
        var preStop = Silo.Lifecycle.PreStop.Sleep.Seconds;
        var hostShutdown = int.Parse(ConfigMap.Data["shutdownTimeoutSeconds"]);

        Assert.InRange(grace, 60, 120);
        Assert.True(preStop + hostShutdown < grace, $"preStop {preStop} s + host shutdown {hostShutdown} s must fit in the grace period {grace} s");
    }

    [Fact]
    public void The_silo_runs_unprivileged()
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
    public void The_pods_service_account_has_the_pod_permissions_the_kubernetes_hosting_package_uses()
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
    public void Services_select_the_silo_pods_and_target_ports_the_container_exposes()
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
    public void The_disruption_budget_takes_down_one_silo_at_a_time()
    {
        var budget = manifests.Single<V1PodDisruptionBudget>();
        var labels = Deployment.Spec.Template.Metadata.Labels;

        Assert.Equal("1", budget.Spec.MaxUnavailable.Value);
        Assert.All(budget.Spec.Selector.MatchLabels, s => Assert.Equal(s.Value, labels[s.Key]));
    }

    [Fact]
    public void Configuration_references_resolve_to_the_configmap_and_the_documented_secret()
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
    public void No_secret_value_is_committed()
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

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.]*$")]
    private static partial Regex EnvironmentVariableName();

    [GeneratedRegex(@"password|secret|passwd|token|apikey|api_key|private", RegexOptions.IgnoreCase)]
    private static partial Regex SecretLooking();

    // Npgsql-style "Password=...;" parts and their values.
    [GeneratedRegex(@"(?:Password|Pwd|User ?Id|Username)=(?<value>[^;]*)", RegexOptions.IgnoreCase)]
    private static partial Regex CredentialPart();
}
