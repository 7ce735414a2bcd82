using System.CommandLine;
using Laevitas.Client.Cluster;
using Laevitas.Grains.Abstractions.History;

namespace Laevitas.Client.Cli;

/// <summary>Connects, runs a command body and turns every failure into a message on stderr and an exit code.</summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(
        CliContext context,
        GlobalOptions global,
        ParseResult parse,
        Func<ClusterConnection, CancellationToken, Task<int>> body,
        Action? validate,
        CancellationToken cancellationToken)
    {
        try
        {
            validate?.Invoke();
            var settings = global.Settings(parse);
            await using var connection = await ClusterConnection.ConnectAsync(context.Configuration, settings, cancellationToken);
            return await body(connection, cancellationToken);
        }
        catch (CliException ex)
        {
            await context.Error.WriteLineAsync(ex.Message);
            return ex.ExitCode;
        }
        catch (HistoryStorageUnavailableException ex)
        {
            await context.Error.WriteLineAsync($"Storage unavailable: {ex.Message}");
            return ExitCodes.StorageUnavailable;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: the user asked to stop; that is not a failure.
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            await context.Error.WriteLineAsync($"The cluster did not answer: {ex.Message}");
            return ExitCodes.NoCluster;
        }
        catch (ArgumentException ex) when (ex.Message.StartsWith("Could not find an implementation", StringComparison.Ordinal))
        {
            // The gateway belongs to a cluster that does not run this version's grains.
            await context.Error.WriteLineAsync($"The cluster reached does not serve this client's requests ({ex.Message}); is it a Laevitas cluster of the same version?");
            return ExitCodes.Error;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await context.Error.WriteLineAsync($"Unexpected error: {ex.GetType().Name}: {ex.Message}");
            if (parse.GetValue(global.Verbose))
            {
                await context.Error.WriteLineAsync(ex.ToString());
            }

            return ExitCodes.Error;
        }
    }
}
