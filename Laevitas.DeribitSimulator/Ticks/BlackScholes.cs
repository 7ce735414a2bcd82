namespace Laevitas.DeribitSimulator.Ticks;

/// <summary>Black–Scholes price and greeks on a forward (Black-76), as Deribit quotes its options.</summary>
internal static class BlackScholes
{
    public readonly record struct Result(double Price, double Delta, double Gamma, double Vega, double Theta, double Rho);

    /// <param name="forward">Underlying (future or synthetic) price.</param>
    /// <param name="strike">Strike.</param>
    /// <param name="years">Time to expiry in years (&gt; 0).</param>
    /// <param name="vol">Implied volatility as a fraction (0.55 = 55 %).</param>
    /// <param name="call">Call or put.</param>
    public static Result Price(double forward, double strike, double years, double vol, bool call)
    {
        years = Math.Max(years, 1e-6);
        var sqrtT = Math.Sqrt(years);
        var d1 = (Math.Log(forward / strike) + 0.5 * vol * vol * years) / (vol * sqrtT);
        var d2 = d1 - vol * sqrtT;
        var pdf = Math.Exp(-0.5 * d1 * d1) / Math.Sqrt(2 * Math.PI);
        double price, delta;
        if (call)
        {
            price = forward * Cdf(d1) - strike * Cdf(d2);
            delta = Cdf(d1);
        }
        else
        {
            price = strike * Cdf(-d2) - forward * Cdf(-d1);
            delta = Cdf(d1) - 1;
        }

        var gamma = pdf / (forward * vol * sqrtT);
        var vega = forward * pdf * sqrtT / 100;          // per vol point, as Deribit shows it
        var theta = -forward * pdf * vol / (2 * sqrtT) / 365; // per day
        var rho = (call ? 1 : -1) * strike * years * Cdf(call ? d2 : -d2) / 100;
        return new Result(Math.Max(price, 0), delta, gamma, vega, theta, rho);
    }

    /// <summary>Standard normal CDF (Abramowitz–Stegun 7.1.26 on erf; error &lt; 1.5e-7, ample for a simulator).</summary>
    private static double Cdf(double x)
    {
        var z = Math.Abs(x) / Math.Sqrt(2);
        var t = 1 / (1 + 0.3275911 * z);
        var erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-z * z);
        return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
    }
}
