namespace Laevitas.Grains.Abstractions.Writing;

/// <summary>
/// Stores the ticks of one Kafka partition (grain key = partition number) in PostgreSQL. Activated by the tick
/// stream's implicit subscription; this interface only lets tools ask how it is doing.
/// </summary>
public interface ITickWriterGrain : IGrainWithIntegerKey
{
    Task<TickWriterPartitionStatus> GetStatusAsync();
}
