using System.Text.Json;
using Laevitas.DeribitSimulator.Ledger;

namespace Laevitas.DeribitSimulator.Protocol;

/// <summary>One connection's subscription to one channel; carries what the hot path needs pre-computed.</summary>
internal sealed class Subscriber(SimulatorConnection connection, string channel, ChannelLedger? ledger)
{
    public SimulatorConnection Connection { get; } = connection;
    public string Channel { get; } = channel;
    public JsonEncodedText ChannelJson { get; } = JsonEncodedText.Encode(channel);
    public ChannelLedger? Ledger { get; } = ledger;
}
