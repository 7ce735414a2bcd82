namespace Laevitas.ChaosTests.Infrastructure;

/// <summary>The identity of a stored tick: the table's primary key.</summary>
public readonly record struct TickKey(string Instrument, long Timestamp)
{
    public override string ToString() => $"{Instrument}@{Timestamp}";
}
