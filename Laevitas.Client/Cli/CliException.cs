namespace Laevitas.Client.Cli;

/// <summary>A failure the client explains in one message and maps to an exit code (see <see cref="ExitCodes"/>).</summary>
public sealed class CliException(int exitCode, string message, Exception? innerException = null) : Exception(message, innerException)
{
    public int ExitCode { get; } = exitCode;
}
