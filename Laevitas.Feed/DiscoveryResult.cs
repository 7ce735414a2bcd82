using Laevitas.Grains.Abstractions.Instruments;

namespace Laevitas.Feed;

/// <summary>Outcome of one discovery pass: the instruments listed, or why it failed.</summary>
internal sealed record DiscoveryResult(Dictionary<string, InstrumentInfo>? Instruments, string? Error, DeribitConnectException? ConnectError = null);
