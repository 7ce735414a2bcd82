namespace Laevitas.Feed;

/// <summary>One <c>instrument.state.{kind}.{currency}</c> notification: which instrument entered which state, and when (exchange ms).</summary>
internal readonly record struct InstrumentStateEvent(string Channel, string InstrumentName, ListingState State, long Timestamp)
{
    public const string ChannelPrefix = "instrument.state.";

    /// <summary>The channel's kind and currency (<c>instrument.state.option.BTC</c> → option, BTC): what to ask get_instruments for.</summary>
    public (string Kind, string Currency)? Market()
    {
        var parts = Channel.Split('.');
        return parts.Length == 4 && parts[2].Length > 0 && parts[3].Length > 0 ? (parts[2], parts[3]) : null;
    }
}
