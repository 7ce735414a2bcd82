using Laevitas.Grains.Abstractions.Instruments;

namespace Laevitas.Grains.Abstractions.Api;

/// <summary>Lower-case names of <see cref="InstrumentStatus"/> in the API and the client.</summary>
public static class InstrumentStatusNames
{
    public const string Allowed = "active, expired, delisted";

    public static string ToName(InstrumentStatus status) => status switch
    {
        InstrumentStatus.Active => "active",
        InstrumentStatus.Expired => "expired",
        InstrumentStatus.Delisted => "delisted",
        _ => "unknown",
    };

    public static bool TryParse(string? text, out InstrumentStatus status)
    {
        status = InstrumentStatus.Active;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "active":
                status = InstrumentStatus.Active;
                return true;
            case "expired":
                status = InstrumentStatus.Expired;
                return true;
            case "delisted":
                status = InstrumentStatus.Delisted;
                return true;
            default:
                return false;
        }
    }
}
