namespace Laevitas.LocalInfrastructure.Postgres;

/// <summary>The private cluster could not be created, started or stopped; the message carries the server's own words.</summary>
public sealed class PrivatePostgresException(string message) : Exception(message);
