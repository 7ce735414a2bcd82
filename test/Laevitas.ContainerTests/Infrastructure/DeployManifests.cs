using k8s;
using k8s.Models;

namespace Laevitas.ContainerTests.Infrastructure;

/// <summary>
/// The ConfigMap and Deployment of deploy/k8s, read from the repository: the containers get their environment,
/// user, volumes, probe paths and grace period from here, so the manifests and this test cannot drift apart.
/// </summary>
internal sealed class DeployManifests
{
    private DeployManifests(V1ConfigMap configMap, V1Deployment deployment)
    {
        ConfigMap = configMap;
        Deployment = deployment;
    }

    public V1ConfigMap ConfigMap { get; }

    public V1Deployment Deployment { get; }

    public V1PodTemplateSpec Template => Deployment.Spec.Template;

    public V1Container Silo => Template.Spec.Containers.Single();

    public static string RepositoryRoot { get; } = FindRoot();

    public static DeployManifests Load()
    {
        var directory = Path.Combine(RepositoryRoot, "deploy", "k8s");
        var configMap = KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(directory, "configmap.yaml")), strict: true).OfType<V1ConfigMap>().Single();
        var deployment = KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(directory, "deployment.yaml")), strict: true).OfType<V1Deployment>().Single();
        return new DeployManifests(configMap, deployment);
    }

    /// <summary>
    /// The Deployment's downward-API variables as the kubelet would fill them for a pod named
    /// <paramref name="podName"/> at <paramref name="podIp"/>; a field this harness cannot fill fails loudly.
    /// </summary>
    public IEnumerable<KeyValuePair<string, string>> DownwardApi(string podName, string podNamespace, string podIp)
    {
        foreach (var variable in Silo.Env ?? [])
        {
            // A Secret's value (Api__Keys): the Secret is not emulated; the test supplies what it needs as an override.
            if (variable.ValueFrom?.SecretKeyRef is not null)
            {
                continue;
            }

            if (variable.Value is not null)
            {
                yield return new(variable.Name, variable.Value);
                continue;
            }

            var field = variable.ValueFrom?.FieldRef?.FieldPath
                ?? throw new InvalidOperationException($"env {variable.Name}: only literal values and fieldRef are emulated here");
            yield return new(variable.Name, field switch
            {
                "metadata.name" => podName,
                "metadata.namespace" => podNamespace,
                "status.podIP" => podIp,
                _ when field.StartsWith("metadata.labels['", StringComparison.Ordinal) && field.EndsWith("']", StringComparison.Ordinal)
                    => Template.Metadata.Labels[field["metadata.labels['".Length..^2]],
                _ => throw new InvalidOperationException($"env {variable.Name}: field {field} is not emulated"),
            });
        }
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Laevitas.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Laevitas.sln above {AppContext.BaseDirectory}.");
    }
}
