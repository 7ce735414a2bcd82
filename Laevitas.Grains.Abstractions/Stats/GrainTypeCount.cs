namespace Laevitas.Grains.Abstractions.Stats;

/// <summary>Activations of one grain type across the cluster.</summary>
public sealed record GrainTypeCount(string GrainType, int Activations);
