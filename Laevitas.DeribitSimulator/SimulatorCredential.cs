namespace Laevitas.DeribitSimulator;

/// <summary>An API key the simulator accepts in <c>public/auth</c> with grant_type client_credentials.</summary>
public sealed record SimulatorCredential(string ClientId, string ClientSecret);
