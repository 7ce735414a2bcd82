namespace Laevitas.Grains.Abstractions.Stats;

/// <summary>A cluster member as the membership table lists it.</summary>
public sealed record SiloView(string Address, string? Name, string? HostName, string Status, DateTimeOffset? StartedAt);
