using Laevitas.Testing.Processes;
using System.Diagnostics;

namespace Laevitas.ChaosTests.Infrastructure;

/// <summary>One run of the command-line client (<c>dotnet laevitas.dll ...</c>) against the cluster.</summary>
public sealed record ClientRun(int ExitCode, string Output, string Error)
{
    public static async Task<ClientRun> RunAsync(ChaosCluster cluster, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(SiloBuild.ClientDllPath)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(SiloBuild.ClientDllPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["Orleans__ClusteringMode"] = "AdoNet";
        start.Environment["Orleans__ClusterId"] = cluster.ClusterId;
        start.Environment["ConnectionStrings__Postgres"] = cluster.ConnectionString;
        using var process = Process.Start(start)!;
        ChildProcessRegistry.Track(process);
        try
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await process.WaitForExitAsync(timeout.Token);
            return new ClientRun(process.ExitCode, await output, await error);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            ChildProcessRegistry.Untrack(process);
        }
    }

    public override string ToString() => $"exit {ExitCode}; stdout: {Output.Trim()}; stderr: {Error.Trim()}";
}
