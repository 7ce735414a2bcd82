using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Laevitas.Testing;

namespace Laevitas.ContainerTests.Infrastructure;

/// <summary>
/// The broker as its own process on the host: <c>dotnet Laevitas.Silo.dll kafka-broker</c> from the silo's build
/// output (the librdkafka mock cluster, on loopback, which the containers reach over the host network).
/// </summary>
internal sealed class KafkaBrokerProcess : IAsyncDisposable
{
    private readonly Process process;

    private KafkaBrokerProcess(Process process, string bootstrapServers)
    {
        this.process = process;
        BootstrapServers = bootstrapServers;
    }

    public string BootstrapServers { get; }

    public static async Task<KafkaBrokerProcess> StartAsync(string directory, string topic, int partitions)
    {
        var addressFile = Path.Combine(directory, "kafka-address");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { SiloDll(), "kafka-broker", "--topic", topic, "--partitions", partitions.ToString(CultureInfo.InvariantCulture), "--address-file", addressFile })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("the kafka-broker process did not start");
        var log = new StreamWriter(Path.Combine(directory, "kafka-broker.log")) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => { lock (log) { log.Dispose(); } };
        try
        {
            await Eventually.TrueAsync(
                () => process.HasExited ? throw new InvalidOperationException($"kafka-broker exited with {process.ExitCode}") : File.Exists(addressFile),
                TimeSpan.FromSeconds(60), "the kafka-broker address file");
        }
        catch
        {
            process.Kill();
            throw;
        }

        return new KafkaBrokerProcess(process, File.ReadAllText(addressFile).Trim());
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private static string SiloDll()
    {
        var path = Environment.GetEnvironmentVariable("LAEVITAS_SILO_DLL");
        if (string.IsNullOrWhiteSpace(path))
        {
            path = typeof(KafkaBrokerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "LaevitasSiloDll")?.Value;
        }

        return !string.IsNullOrWhiteSpace(path) && File.Exists(path)
            ? path
            : throw new FileNotFoundException($"Laevitas.Silo.dll not found at '{path}'; build the solution or set LAEVITAS_SILO_DLL.");
    }
}
