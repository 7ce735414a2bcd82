using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace Laevitas.Tests.Deploy;

/// <summary>
/// deploy/k8s as kubectl apply -k would read it: the kustomization's resource list (parsed with YamlDotNet) and every
/// object of those files, deserialized strictly into the Kubernetes client's typed models, so an unknown field, a
/// misspelt key or a wrong type fails the load instead of being silently dropped.
/// </summary>
internal sealed class KubernetesManifests
{
    public const string Directory = "deploy/k8s";

    private KubernetesManifests(IReadOnlyList<string> resourceFiles, IReadOnlyList<(string File, object Object)> objects, string? kustomizeNamespace)
    {
        ResourceFiles = resourceFiles;
        Objects = objects;
        Namespace = kustomizeNamespace;
    }

    public IReadOnlyList<string> ResourceFiles { get; }

    public IReadOnlyList<(string File, object Object)> Objects { get; }

    /// <summary>The namespace kustomize sets on every object.</summary>
    public string? Namespace { get; }

    public IEnumerable<T> OfType<T>() => Objects.Select(o => o.Object).OfType<T>();

    public T Single<T>() => Assert.Single(OfType<T>());

    public static KubernetesManifests Load()
    {
        var kustomization = LoadYaml(RepositoryFiles.PathOf(Directory, "kustomization.yaml"));
        var root = (YamlMappingNode)kustomization.Documents.Single().RootNode;
        var resources = ((YamlSequenceNode)root.Children[new YamlScalarNode("resources")])
            .Children.Cast<YamlScalarNode>().Select(n => n.Value!).ToList();
        var kustomizeNamespace = root.Children.TryGetValue(new YamlScalarNode("namespace"), out var ns) ? ((YamlScalarNode)ns).Value : null;

        var objects = new List<(string, object)>();
        foreach (var file in resources)
        {
            objects.AddRange(LoadObjects(file).Select(o => (file, o)));
        }

        return new KubernetesManifests(resources, objects, kustomizeNamespace);
    }

    public static IReadOnlyList<object> LoadObjects(string fileInDirectory)
    {
        var path = RepositoryFiles.PathOf(Directory, fileInDirectory);
        Assert.True(File.Exists(path), $"{Directory}/{fileInDirectory} is listed but does not exist.");
        try
        {
            return KubernetesYaml.LoadAllFromString(File.ReadAllText(path), strict: true);
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"{Directory}/{fileInDirectory} does not load as Kubernetes objects: {ex.Message} {ex.InnerException?.Message}");
        }
    }

    public static YamlStream LoadYaml(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return stream;
    }

    public static string Describe(object o) => o is IKubernetesObject<V1ObjectMeta> k ? $"{k.Kind}/{k.Metadata?.Name}" : o.GetType().Name;
}
