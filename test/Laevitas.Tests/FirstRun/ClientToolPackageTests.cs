using Laevitas.Tests.Deploy;

namespace Laevitas.Tests.FirstRun;

/// <summary>The client packs as a .NET tool, installs from the local package and runs as <c>laevitas</c>.</summary>
public sealed class ClientToolPackageTests
{
    [Fact]
    public async Task ThePackedToolInstallsAndRunsLaevitasHelp()
    {
        var run = await ScriptRun.RunAsync(RepositoryFiles.PathOf("scripts", "check-client-tool.sh"), [], TimeSpan.FromMinutes(3));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("--help lists every command", run.Output, StringComparison.Ordinal);
    }
}
