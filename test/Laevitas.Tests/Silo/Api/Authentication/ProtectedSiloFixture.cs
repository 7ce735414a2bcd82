namespace Laevitas.Tests.Silo.Api.Authentication;

/// <summary>One silo with two API keys configured (rotation: either one opens it), shared by the tests of a class.</summary>
public sealed class ProtectedSiloFixture : IAsyncLifetime
{
    public const string FirstKey = "first-key-0123456789abcdef";
    public const string SecondKey = "second-key-0123456789abcdef";

    internal AuthenticatedSiloHost Silo { get; private set; } = null!;

    public async Task InitializeAsync() => Silo = await AuthenticatedSiloHost.StartAsync($"{FirstKey}, {SecondKey}");

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}
