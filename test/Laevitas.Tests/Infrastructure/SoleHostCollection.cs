namespace Laevitas.Tests.Infrastructure;

/// <summary>
/// Tests that read what one host exports process-wide, so need it to be the only host alive, as it is in production.
/// The OpenTelemetry exporter listens to meters by name: when two live hosts create the same "Laevitas" instrument, it
/// keeps one metric for both, and the first host's disposal retires that metric, so the second host's series leave the
/// scrape while its instruments still count. xunit runs a collection with parallelization disabled on its own, after
/// the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoleHostCollection
{
    public const string Name = "Sole host";
}
