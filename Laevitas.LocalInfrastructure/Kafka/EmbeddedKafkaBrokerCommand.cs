using System.Globalization;
using System.Runtime.InteropServices;
using Laevitas.Streaming.Kafka;
using Microsoft.Extensions.Logging;

namespace Laevitas.LocalInfrastructure.Kafka;

/// <summary>
/// <c>Laevitas.Silo kafka-broker [--brokers N] [--topic NAME] [--partitions N] [--address-file PATH]</c>: runs only
/// the embedded broker, in a process of its own, until Ctrl+C or SIGTERM — so several silos can share it and a
/// silo can be killed without taking the broker (and its data) with it. Point silos at it with
/// <c>Kafka__BootstrapServers=$(cat PATH)</c>.
/// </summary>
/// <remarks>
/// librdkafka binds each mock broker to an ephemeral loopback port and has no setting to choose it, so the
/// address changes on every start: read it from stdout or the address file. The file is written atomically once
/// the topic exists (wait for it to appear) and deleted on exit so a stale address is never used.
/// </remarks>
public static partial class EmbeddedKafkaBrokerCommand
{
    public const string CommandName = "kafka-broker";

    /// <summary>Runs the broker and returns true when <paramref name="args"/> asks for it; false otherwise (start the silo).</summary>
    public static async Task<bool> RunIfRequestedAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || args[0] != CommandName)
        {
            return false;
        }

        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        Environment.ExitCode = await RunAsync(args[1..], stop.Token).ConfigureAwait(false);
        return true;

        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // shut down in order instead of being killed mid-way
            stop.Cancel();
        }
    }

    /// <summary>Runs the broker until <paramref name="stop"/> is cancelled; returns the exit code (2: bad arguments).</summary>
    internal static async Task<int> RunAsync(string[] args, CancellationToken stop)
    {
        var defaults = new KafkaOptions();
        int brokers = EmbeddedKafkaHostingExtensions.EmbeddedBrokerCount, partitions = defaults.Partitions;
        string topic = defaults.Topic;
        string? addressFile = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--brokers" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out brokers) && brokers >= 1:
                case "--partitions" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out partitions) && partitions >= 1:
                    i++;
                    break;
                case "--topic" when KafkaOptionsValidator.TopicNameProblem(value) is null:
                    topic = value!;
                    i++;
                    break;
                case "--address-file" when !string.IsNullOrWhiteSpace(value):
                    addressFile = Path.GetFullPath(value);
                    i++;
                    break;
                default:
                    await Console.Error.WriteLineAsync(
                        $"Unknown or invalid argument '{args[i]}'. Usage: {CommandName} [--brokers N>=1] [--topic NAME] [--partitions N>=1] [--address-file PATH]").ConfigureAwait(false);
                    return 2;
            }
        }

        using var loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(console => console.SingleLine = true));
        var logger = loggerFactory.CreateLogger(typeof(EmbeddedKafkaBrokerCommand).FullName!);

        using (var cluster = MockKafkaCluster.Create(brokers, logger))
        {
            cluster.CreateTopic(topic, partitions);
            // The mock has no CreateTopics API: the silos' provisioning only finds topics that exist.
            cluster.CreateTopic(new KafkaOptions { Topic = topic }.DeadLetterTopicName, partitions);
            cluster.CreateTopic(new KafkaOptions { Topic = topic }.TradesTopicName, partitions);
            if (addressFile is not null)
            {
                WriteAtomically(addressFile, cluster.BootstrapServers);
            }

            LogReady(logger, topic, partitions, cluster.BootstrapServers, addressFile ?? "(none)");
            Console.Out.WriteLine(cluster.BootstrapServers);
            Console.Out.Flush();

            try
            {
                await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Asked to stop.
            }
            finally
            {
                if (addressFile is not null)
                {
                    File.Delete(addressFile);
                }
            }
        }

        LogStopped(logger);
        return 0;
    }

    private static void WriteAtomically(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, content + Environment.NewLine);
        File.Move(temporary, path, overwrite: true);
    }

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Embedded Kafka broker ready: topic {Topic} ({Partitions} partitions) at {BootstrapServers}; address file {AddressFile}. Ctrl+C stops it.")]
    private static partial void LogReady(ILogger logger, string topic, int partitions, string bootstrapServers, string addressFile);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Embedded Kafka broker stopped")]
    private static partial void LogStopped(ILogger logger);
}
