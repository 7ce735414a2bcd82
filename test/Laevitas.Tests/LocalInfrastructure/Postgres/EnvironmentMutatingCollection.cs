namespace Laevitas.Tests.LocalInfrastructure.Postgres;

/// <summary>
/// Tests that change process-wide environment variables. xunit runs a collection with parallelization
/// disabled on its own, after the parallel ones, so no other test sees the changed environment.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentMutatingCollection
{
    public const string Name = "Environment-mutating";
}
