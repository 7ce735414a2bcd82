namespace Laevitas.Grains.Abstractions.Writing;

/// <summary>
/// Stores the trades of one partition of the trades topic (grain key = partition number) in <c>deribit_trades</c>.
/// Activated by the trade stream's implicit subscription; this interface only lets tools ask how it is doing.
/// </summary>
public interface ITradeWriterGrain : IGrainWithIntegerKey
{
    Task<TickWriterPartitionStatus> GetStatusAsync();
}
