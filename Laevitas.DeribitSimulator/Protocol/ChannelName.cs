namespace Laevitas.DeribitSimulator.Protocol;

/// <summary>Channel-name grammar: <c>ticker.{instrument_name}.{raw|100ms|agg2}</c> and <c>platform_state</c>.</summary>
internal static class ChannelName
{
    public const string PlatformState = "platform_state";

    public static bool TryParseTicker(string channel, out string instrumentName, out string interval)
    {
        instrumentName = "";
        interval = "";
        if (!channel.StartsWith("ticker.", StringComparison.Ordinal)) return false;
        var lastDot = channel.LastIndexOf('.');
        if (lastDot <= "ticker.".Length) return false;
        interval = channel[(lastDot + 1)..];
        if (interval is not ("raw" or "100ms" or "agg2")) return false;
        instrumentName = channel["ticker.".Length..lastDot];
        return instrumentName.Length > 0;
    }
}
