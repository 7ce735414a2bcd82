namespace Laevitas.Tests.Infrastructure;

/// <summary>
/// API, client and dashboard tests share one <see cref="ApiEnvironment"/>: a private PostgreSQL, an embedded Kafka, the
/// simulator and one silo wired like Program.cs. The classes run one after another, so the readiness test may stop
/// PostgreSQL (it starts it again before it ends).
/// </summary>
[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiEnvironment>
{
    public const string Name = "Api";
}
