namespace Laevitas.Silo.LocalMode;

/// <summary>
/// The built-in exchange simulator the silo can run instead of connecting to Deribit (section <c>Simulator</c>;
/// the <c>--simulator</c> command-line flag sets <see cref="Enabled"/>).
/// </summary>
public sealed class SimulatorModeOptions
{
    public const string SectionName = "Simulator";

    /// <summary>Run an in-process simulated exchange on loopback and point <c>Deribit:Url</c> at it.</summary>
    public bool Enabled { get; set; }

    /// <summary>Instruments in the simulated universe.</summary>
    public int Instruments { get; set; } = 500;

    /// <summary>Aggregate ticker notifications per second across every subscribed instrument.</summary>
    public double TicksPerSecond { get; set; } = 2_000;

    /// <summary>Aggregate trades per second (trades.{kind}.{currency} channels) over the subscribed instruments.</summary>
    public double TradesPerSecond { get; set; } = 20;

    /// <summary>Seed of the universe and the price walk.</summary>
    public int Seed { get; set; } = 42;
}
