using System.Diagnostics;

namespace Laevitas.Testing;

/// <summary>
/// A real file system of a few hundred kilobytes (a tmpfs mounted for the test), to fill up: "no space left on device"
/// from the kernel, not a simulated exception. Mounting needs root (as the container tests do); without it the test
/// fails and says why rather than passing without the fault.
/// </summary>
public sealed class SmallDisk : IDisposable
{
    private SmallDisk(string path) => Path = path;

    public string Path { get; }

    public static SmallDisk Mount(long bytes)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "laevitas-tests", "disk-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", path);
        if (code != 0)
        {
            Directory.Delete(path);
            throw new InvalidOperationException($"Could not mount a {bytes}-byte tmpfs on {path} (needs root): {output}");
        }

        return new SmallDisk(path);
    }

    public void Dispose()
    {
        // Lazy: a file still open in a stopping component must not leave the mount behind.
        Run("umount", "-l", Path);
        try
        {
            Directory.Delete(Path);
        }
        catch (IOException)
        {
        }
    }

    private static (int Code, string Output) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Trim());
    }
}
