using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Laevitas.Feed.Settlements;

/// <summary>
/// Opens short-lived sessions to the configured exchange (<c>Deribit:Url</c>) for <c>public/get_delivery_prices</c>,
/// as discovery does for <c>public/get_instruments</c>: a connection of its own, out of the ticker connections' way, with
/// the feed's connect and request timeouts. Its own status and breaker, so a failing backfill never shows as the feed's
/// error nor opens the feed's circuit.
/// </summary>
public sealed class DeliveryPriceClient
{
    private const string SessionName = "deribit-settlements";

    private readonly FeedContext context;

    // The session's watchdog and pacer run on the system clock: a test may accelerate the backfill's schedule, but an
    // accelerated watchdog would declare every link dead at once.
    public DeliveryPriceClient(IOptions<DeribitOptions> options, ILogger<DeliveryPriceClient> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        context = new FeedContext(options.Value, NoTickSink.Instance, new FeedStatus(TimeProvider.System), TimeProvider.System, logger);
    }

    public string Endpoint => context.Options.Url;

    /// <exception cref="DeliveryPriceFetchException">The exchange could not be reached.</exception>
    public async Task<DeliveryPriceConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            var session = await DeribitSession.ConnectAsync(context, SessionName, channels: null, cancellationToken).ConfigureAwait(false);
            return new DeliveryPriceConnection(context, session);
        }
        catch (DeribitConnectException ex)
        {
            throw new DeliveryPriceFetchException($"{context.Options.Url}: {ex.Message}", ex);
        }
    }
}
