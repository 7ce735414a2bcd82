using System.Collections.Concurrent;

namespace Laevitas.DeribitSimulator.Limits;

/// <summary>
/// Request credits and the subscribe rate, kept per client (the IP for anonymous connections, the client_id once
/// authenticated) as the exchange accounts them, so opening more connections does not buy more rate.
/// </summary>
internal sealed class ClientRateLimits(SimulatorLimits limits)
{
    private readonly ConcurrentDictionary<string, TokenBucket> credits = new();
    private readonly ConcurrentDictionary<string, TokenBucket> subscribes = new();

    public bool TryTakeRequestCredits(string clientKey) =>
        credits.GetOrAdd(clientKey, _ => new TokenBucket(limits.MaxCredits, limits.CreditRefillPerSecond)).TryTake(limits.CreditsPerRequest);

    public bool TryTakeSubscribe(string clientKey) =>
        subscribes.GetOrAdd(clientKey, _ => new TokenBucket(limits.SubscribeBurst, limits.SubscribeRatePerSecond)).TryTake(1);
}
