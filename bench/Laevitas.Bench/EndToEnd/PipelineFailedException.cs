namespace Laevitas.Bench.EndToEnd;

/// <summary>The pipeline under test stopped working (silo exited, never started, ...): the run cannot go on.</summary>
internal sealed class PipelineFailedException(string message) : Exception(message);
