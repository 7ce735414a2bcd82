using System.Text.Json;
using Laevitas.Grains.Abstractions.Instruments;

namespace Laevitas.Grains.Abstractions.Api;

/// <summary>
/// One instrument's latest ticker, latest trade and counters (<c>GET /api/instruments/{name}</c>, <c>laevitas show --json</c>).
/// <see cref="Ticker"/> is the exchange's ticker <c>data</c> object exactly as received.
/// </summary>
public sealed record InstrumentDetailView
{
    public required string InstrumentName { get; init; }
    public required string Kind { get; init; }
    public string? Currency { get; init; }
    public string? QuoteCurrency { get; init; }
    public string? Expiry { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public decimal? Strike { get; init; }
    public string? OptionType { get; init; }
    public string? ComboType { get; init; }
    public required string Status { get; init; }
    public DateTimeOffset? StatusChangedAt { get; init; }

    /// <summary>Ticks taken since the instrument was first seen (across restarts).</summary>
    public long TicksSeen { get; init; }

    public DateTimeOffset? FirstSeenAt { get; init; }

    /// <summary>When the silo received the latest tick.</summary>
    public DateTimeOffset? LastSeenAt { get; init; }

    /// <summary>Exchange time of the latest tick, Unix ms.</summary>
    public long? LastTickTimestamp { get; init; }

    public DateTimeOffset? LastTickTime { get; init; }

    /// <summary>Exchange metadata from the last listing.</summary>
    public InstrumentInfo? Info { get; init; }

    /// <summary>The latest ticker <c>data</c> object as Deribit sent it; null before the first tick.</summary>
    public JsonElement? Ticker { get; init; }

    /// <summary>Trades taken (each once) since the instrument was first seen (across restarts).</summary>
    public long TradesSeen { get; init; }

    /// <summary>Exchange time of the latest trade (highest trade_seq).</summary>
    public DateTimeOffset? LastTradeTime { get; init; }

    /// <summary>The latest trade object as Deribit sent it (an element of a trades notification); null before the first.</summary>
    public JsonElement? LastTrade { get; init; }

    /// <summary>
    /// True when the cluster has heard of the instrument (a listing or a tick). A grain answers for any name, so
    /// this is how "unknown instrument" is told apart.
    /// </summary>
    public static bool IsKnown(InstrumentSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.Info is not null || snapshot.TicksSeen > 0 || snapshot.TradesSeen > 0 || snapshot.FirstSeenAtMs is not null || snapshot.StatusChangedAtMs is not null;
    }

    public static InstrumentDetailView From(InstrumentSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var name = snapshot.Name;
        return new InstrumentDetailView
        {
            InstrumentName = snapshot.InstrumentName,
            Kind = InstrumentKindNames.ToName(name.Kind),
            Currency = name.Currency ?? snapshot.Info?.BaseCurrency,
            QuoteCurrency = name.QuoteCurrency,
            Expiry = InstrumentView.FormatDate(name.Expiry),
            ExpiresAt = name.ExpiresAt,
            Strike = name.Strike,
            OptionType = name.OptionType?.ToString(),
            ComboType = name.ComboType,
            Status = InstrumentStatusNames.ToName(snapshot.Status),
            StatusChangedAt = FromMs(snapshot.StatusChangedAtMs),
            TicksSeen = snapshot.TicksSeen,
            FirstSeenAt = FromMs(snapshot.FirstSeenAtMs),
            LastSeenAt = FromMs(snapshot.LastSeenAtMs),
            LastTickTimestamp = snapshot.LastTickTimestamp,
            LastTickTime = FromMs(snapshot.LastTickTimestamp),
            Info = snapshot.Info,
            Ticker = ParsePayload(snapshot.LastTickPayload),
            TradesSeen = snapshot.TradesSeen,
            LastTradeTime = FromMs(snapshot.LastTradeTimestamp),
            LastTrade = ParsePayload(snapshot.LastTradePayload),
        };
    }

    private static JsonElement? ParsePayload(byte[]? payload)
    {
        if (payload is null || payload.Length == 0)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(payload);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            // The feed only forwards objects it parsed, so this is defensive: show the bytes rather than fail the call.
            return JsonSerializer.SerializeToElement(System.Text.Encoding.UTF8.GetString(payload));
        }
    }

    private static DateTimeOffset? FromMs(long? ms) => ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null;
}
