using Laevitas.Grains.Abstractions.Hosting;
using Laevitas.Grains.Streaming;
using Laevitas.Grains.Writing;

namespace Laevitas.Silo.Hosting;

public static class TickStreamHostingExtensions
{
    /// <summary>
    /// The second half of the pipeline: the Kafka stream provider (<c>ProviderNames.Streams</c>, one queue per partition
    /// of <c>Kafka:Topic</c>) and the tick writer grains that store its batches in <c>deribit_prices</c>. Needs the
    /// NpgsqlDataSource and migrations of <c>AddLaevitasPostgres</c> and the Kafka settings (or the embedded broker).
    /// </summary>
    public static ISiloBuilder AddTickStream(this ISiloBuilder silo) =>
        silo.AddKafkaStreams(ProviderNames.Streams).AddTickWriter();
}
