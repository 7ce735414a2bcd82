namespace Laevitas.Bench;

/// <summary>One measurement, run as <c>Laevitas.Bench NAME [options]</c>.</summary>
internal interface IBenchCommand
{
    string Name { get; }

    /// <summary>One line for the usage text, options included.</summary>
    string Usage { get; }

    /// <returns>The process exit code.</returns>
    Task<int> RunAsync(BenchArguments arguments, CancellationToken cancellationToken);
}
