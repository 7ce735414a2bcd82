using Laevitas.Tests.Deploy;

namespace Laevitas.Tests.FirstRun;

/// <summary>
/// The first run as a new user meets it (issue 23 item 5): <c>./run.sh --help</c> prints the options and starts
/// nothing, and <c>./run.sh</c> installs only what running needs — the browser is for the dashboard test alone.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // the scripts are bash, for Debian/Ubuntu
public sealed class FirstRunScriptTests : IDisposable
{
    private readonly string sandbox = Directory.CreateTempSubdirectory("laevitas-first-run").FullName;

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task RunHelpPrintsTheOptionsAndExitsBeforeInstallingBuildingOrStarting(string flag)
    {
        // No dotnet on the PATH: had run.sh gone past --help, prerequisites.sh would stop at "dotnet is required"
        // (exit 1), and nothing could be built or started.
        var bin = Bin(("bash", "/bin/bash"), ("dirname", Which("dirname")), ("cat", Which("cat")));

        var run = await ScriptRun.RunAsync(RepositoryFiles.PathOf("run.sh"), [flag], TimeSpan.FromSeconds(30), new Dictionary<string, string?> { ["PATH"] = bin });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("Usage: ./run.sh", run.Output, StringComparison.Ordinal);
        Assert.Contains("--simulator", run.Output, StringComparison.Ordinal);
        Assert.Contains("--Retention:Days", run.Output, StringComparison.Ordinal);
        Assert.Equal("", run.Error);
    }

    [Theory]
    [InlineData(new string[0], false)]
    [InlineData(new[] { "--tests" }, true)]
    public async Task ChromiumIsInstalledForTheTestsOnly(string[] arguments, bool chromiumExpected)
    {
        // A machine with PostgreSQL's server programs and util-linux, but no browser; apt-get (and sudo) only record.
        var apt = Path.Combine(sandbox, "apt-get.log");
        var server = Directory.CreateDirectory(Path.Combine(sandbox, "pg")).FullName;
        foreach (var program in new[] { "initdb", "pg_ctl", "postgres" })
        {
            Script(Path.Combine(server, program), "exit 0");
        }

        var bin = Bin(("bash", "/bin/bash"), ("setpriv", Which("setpriv")), ("setsid", Which("setsid")), ("env", Which("env")));
        Script(Path.Combine(bin, "dotnet"), "exit 0");
        Script(Path.Combine(bin, "apt-get"), $"echo \"$*\" >> '{apt}'");
        Script(Path.Combine(bin, "sudo"), "exec \"$@\"");

        var run = await ScriptRun.RunAsync(RepositoryFiles.PathOf("scripts", "prerequisites.sh"), arguments, TimeSpan.FromSeconds(30),
            new Dictionary<string, string?> { ["PATH"] = bin, ["LAEVITAS_PG_BIN"] = server, ["LAEVITAS_CHROMIUM"] = null });

        Assert.True(run.ExitCode == 0, run.ToString());
        var installs = File.Exists(apt) ? File.ReadAllText(apt) : "";
        Assert.Equal(chromiumExpected, installs.Contains("install", StringComparison.Ordinal) && installs.Contains("chromium", StringComparison.Ordinal));
        if (!chromiumExpected)
        {
            Assert.Equal("", installs);
        }
    }

    public void Dispose() => Directory.Delete(sandbox, recursive: true);

    private string Bin(params (string Name, string Target)[] programs)
    {
        var bin = Directory.CreateDirectory(Path.Combine(sandbox, "bin")).FullName;
        foreach (var (name, target) in programs)
        {
            File.CreateSymbolicLink(Path.Combine(bin, name), target);
        }

        return bin;
    }

    private static void Script(string path, string body)
    {
        File.WriteAllText(path, $"#!/bin/bash\n{body}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static string Which(string program) =>
        new[] { "/usr/bin", "/bin", "/usr/sbin", "/sbin" }.Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{program} is not installed on this machine.");
}
