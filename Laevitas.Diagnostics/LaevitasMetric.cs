namespace Laevitas.Diagnostics;

/// <summary>One instrument of the <c>Laevitas</c> meter: its OpenTelemetry name, unit and description.</summary>
/// <remarks>Prometheus shows <see cref="Name"/> with dots as underscores, and counters with a <c>_total</c> suffix.</remarks>
public sealed record LaevitasMetric(string Name, string? Unit, string Description);
