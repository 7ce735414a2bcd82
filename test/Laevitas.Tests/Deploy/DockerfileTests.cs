using System.Xml.Linq;
using k8s.Models;

namespace Laevitas.Tests.Deploy;

/// <summary>
/// Quick checks of the Dockerfiles against the repository (the images themselves are built and run by
/// deploy/docker/build-local.sh and Laevitas.ContainerTests): what they copy exists and is not ignored, every project
/// the published one depends on is in the build context, the entry point is the assembly the project builds, the silo
/// image exposes the ports the Deployment uses, and both images run as the non-root user.
/// </summary>
public sealed class DockerfileTests
{
    public static TheoryData<string, string> Images => new()
    {
        { "silo.Dockerfile", "Laevitas.Silo" },
        { "client.Dockerfile", "Laevitas.Client" },
    };

    private static List<string> Instructions(string dockerfile)
    {
        // Joins continuation lines and drops comments, so each entry is one instruction.
        var lines = File.ReadAllLines(RepositoryFiles.PathOf("deploy", "docker", dockerfile));
        var instructions = new List<string>();
        var current = "";
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }

            current += line.TrimEnd('\\').Trim() + " ";
            if (!line.EndsWith('\\'))
            {
                instructions.Add(current.Trim());
                current = "";
            }
        }

        return instructions;
    }

    private static IEnumerable<string> ContextCopySources(string dockerfile) =>
        Instructions(dockerfile)
            .Where(i => i.StartsWith("COPY ", StringComparison.Ordinal) && !i.Contains("--from=", StringComparison.Ordinal))
            .SelectMany(i =>
            {
                var parts = i.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToList();
                return parts.Take(parts.Count - 1);
            });

    private static HashSet<string> ProjectClosure(string project)
    {
        var closure = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var name))
        {
            if (!closure.Add(name))
            {
                continue;
            }

            var csproj = XDocument.Load(RepositoryFiles.PathOf(name, name + ".csproj"));
            foreach (var reference in csproj.Descendants("ProjectReference"))
            {
                pending.Push(Path.GetFileNameWithoutExtension(reference.Attribute("Include")!.Value.Replace('\\', '/')));
            }
        }

        return closure;
    }

    private static string AssemblyFileOf(string project)
    {
        var name = XDocument.Load(RepositoryFiles.PathOf(project, project + ".csproj")).Descendants("AssemblyName").Select(e => e.Value).LastOrDefault();
        return (string.IsNullOrWhiteSpace(name) ? project : name) + ".dll";
    }

    private static HashSet<string> DockerIgnoredTopLevel() =>
        File.ReadAllLines(RepositoryFiles.PathOf(".dockerignore"))
            .Select(l => l.Trim().TrimEnd('/'))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToHashSet();

    [Theory]
    [MemberData(nameof(Images))]
    public void EverythingCopiedFromTheContextExistsAndIsNotDockerIgnored(string dockerfile, string _)
    {
        var ignored = DockerIgnoredTopLevel();
        var sources = ContextCopySources(dockerfile).ToList();

        Assert.NotEmpty(sources);
        foreach (var source in sources.Where(s => s != "."))
        {
            var path = RepositoryFiles.PathOf(source.TrimEnd('/'));
            Assert.True(File.Exists(path) || Directory.Exists(path), $"{dockerfile} copies {source}, which is not in the repository");
            Assert.DoesNotContain(source.TrimEnd('/').Split('/')[0], ignored);
        }
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void TheBuildStageRestoresFromEveryProjectFileAndPublishesTheProject(string dockerfile, string project)
    {
        var instructions = Instructions(dockerfile);
        var ignored = DockerIgnoredTopLevel();

        // The restore layer is fed from every *.csproj and Directory.*.props in the context, not a list that drifts
        // when projects are added; so every project the published one needs must be in the context.
        Assert.Contains(instructions, i => i.StartsWith("RUN find . -type f ! -name '*.csproj' ! -name 'Directory.*.props'", StringComparison.Ordinal));
        foreach (var needed in ProjectClosure(project))
        {
            Assert.DoesNotContain(needed, ignored);
        }

        Assert.DoesNotContain("Directory.Build.props", ignored);
        Assert.DoesNotContain("Directory.Packages.props", ignored);
        Assert.Contains(instructions, i => i.StartsWith("RUN dotnet restore", StringComparison.Ordinal) && i.Contains($"{project}/{project}.csproj", StringComparison.Ordinal));
        Assert.Contains(instructions, i => i.StartsWith("RUN dotnet publish", StringComparison.Ordinal) && i.Contains($"{project}/{project}.csproj", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void TheDockerfileUsesOnlySyntaxThatBuildahOnDebian12Builds(string dockerfile, string _)
    {
        // deploy/docker/build-local.sh builds with podman 4.3 / buildah 1.28, which refuse COPY --link and --parents.
        Assert.DoesNotContain(Instructions(dockerfile), i => i.StartsWith("COPY ", StringComparison.Ordinal) && (i.Contains("--link", StringComparison.Ordinal) || i.Contains("--parents", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void TheRuntimeStageIsANonRootDotnetImageRunningTheProjectsAssembly(string dockerfile, string project)
    {
        var instructions = Instructions(dockerfile);
        var runtimeStage = instructions.SkipWhile(i => !(i.StartsWith("FROM ", StringComparison.Ordinal) && i.EndsWith(" AS runtime", StringComparison.Ordinal))).ToList();

        Assert.NotEmpty(runtimeStage);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/", runtimeStage[0]);
        Assert.Contains("USER $APP_UID", runtimeStage);
        // The assembly the publish step writes: the project's AssemblyName (the client's is `laevitas`), not its name.
        Assert.Equal($"ENTRYPOINT [\"dotnet\", \"{AssemblyFileOf(project)}\"]", runtimeStage[^1]);
    }

    [Fact]
    public void TheSiloImageExposesThePortsTheDeploymentUses()
    {
        var exposed = Instructions("silo.Dockerfile")
            .Where(i => i.StartsWith("EXPOSE ", StringComparison.Ordinal))
            .SelectMany(i => i.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1))
            .Select(int.Parse)
            .Order();
        var container = Assert.Single(KubernetesManifests.Load().Single<V1Deployment>().Spec.Template.Spec.Containers);

        Assert.Equal(container.Ports.Select(p => p.ContainerPort).Order(), exposed);
    }
}
