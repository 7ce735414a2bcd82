using Laevitas.DeribitSimulator.Universe;

namespace Laevitas.DeribitSimulator.Protocol;

/// <summary>
/// Sends <c>instrument.state.{kind}.{currency}</c> notifications when a listing is created or ends, in Deribit's
/// documented shape: <c>{"channel":…,"data":{"timestamp":…,"state":"created","instrument_name":…}}</c>
/// (https://docs.deribit.com/subscriptions/market-data/instrumentstatekindcurrency). Listings change a few times a day,
/// so the open connections' channels are scanned rather than kept in a registry of their own.
/// </summary>
internal sealed class InstrumentStateNotifier(SimulatorExchange exchange)
{
    /// <summary>Sends <paramref name="state"/> of <paramref name="instrument"/> to every matching subscriber; returns how many got it.</summary>
    public int Notify(SimInstrument instrument, string state)
    {
        var sent = 0;
        var timestamp = exchange.Options.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var connection in exchange.OpenConnections())
        {
            foreach (var channel in connection.ChannelsSnapshot())
            {
                if (!ChannelName.TryParseInstrumentState(channel, out var filter) || !filter.Matches(instrument)) continue;
                connection.Post(FrameBuilder.Notification(channel, writer =>
                {
                    writer.WriteNumber("timestamp", timestamp);
                    writer.WriteString("state", state);
                    writer.WriteString("instrument_name", instrument.InstrumentName);
                }));
                sent++;
            }
        }

        return sent;
    }
}
