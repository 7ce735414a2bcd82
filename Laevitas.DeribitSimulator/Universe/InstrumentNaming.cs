using System.Globalization;

namespace Laevitas.DeribitSimulator.Universe;

/// <summary>Deribit's instrument-name conventions: <c>5AUG25</c> dates (day not padded), <c>0d625</c> strikes.</summary>
public static class InstrumentNaming
{
    private static readonly string[] Months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

    /// <summary><c>5AUG25</c>: day without leading zero, upper-case month, two-digit year.</summary>
    public static string FormatExpiry(DateTime expiryUtc) =>
        string.Create(CultureInfo.InvariantCulture, $"{expiryUtc.Day}{Months[expiryUtc.Month - 1]}{expiryUtc.Year % 100:00}");

    /// <summary>Strike as Deribit writes it: integers plain, fractions with <c>d</c> for the decimal point (up to 4 decimals).</summary>
    public static string FormatStrike(double strike)
    {
        var text = Math.Round(strike, 4).ToString("0.####", CultureInfo.InvariantCulture);
        return text.Replace('.', 'd');
    }

    /// <summary>The currency prefix of a name: <c>BTC</c> for inverse, <c>SOL_USDC</c> for linear.</summary>
    public static string Prefix(string baseCurrency, bool linear) => linear ? baseCurrency + "_USDC" : baseCurrency;

    public static string Perpetual(string baseCurrency, bool linear) => Prefix(baseCurrency, linear) + "-PERPETUAL";

    public static string Future(string baseCurrency, bool linear, DateTime expiryUtc) =>
        Prefix(baseCurrency, linear) + "-" + FormatExpiry(expiryUtc);

    public static string Option(string baseCurrency, bool linear, DateTime expiryUtc, double strike, bool call) =>
        Prefix(baseCurrency, linear) + "-" + FormatExpiry(expiryUtc) + "-" + FormatStrike(strike) + (call ? "-C" : "-P");
}
