using System.Diagnostics.Metrics;
using System.Net;
using System.Reflection;
using System.Runtime.CompilerServices;
using Laevitas.Feed;
using Laevitas.Grains.Instruments;
using Laevitas.Grains.Publishing;
using Laevitas.Grains.Retention;
using Laevitas.Grains.Writing;
using Laevitas.Silo.Dispatch;
using Laevitas.Silo.Metrics;
using Laevitas.Streaming.Kafka.Providers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Laevitas.Tests.Monitoring;

/// <summary>
/// What the silo's metrics pipeline exports, without Kafka, PostgreSQL or a cluster: the real
/// <see cref="MetricsHostingExtensions.AddLaevitasMetrics"/> on Kestrel, the components that own the "Laevitas"
/// instruments, Orleans' statically created instruments and an Npgsql data source. A <see cref="MeterListener"/>
/// lists every instrument of the exported meters (a counter nobody has incremented yet is not in a scrape, but is in
/// the list), and <c>/metrics</c> is scraped once for what the exporter really names them.
/// </summary>
internal sealed class SiloMetricsProbe
{
    private SiloMetricsProbe(IReadOnlyList<(string Meter, Instrument Instrument)> instruments, string scrape)
    {
        Instruments = instruments;
        Scrape = scrape;
    }

    public IReadOnlyList<(string Meter, Instrument Instrument)> Instruments { get; }

    public string Scrape { get; }

    public static async Task<SiloMetricsProbe> RunAsync()
    {
        var exported = MetricsHostingExtensions.ExportedMeters.ToHashSet(StringComparer.Ordinal);
        var instruments = new List<(string, Instrument)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (exported.Contains(instrument.Meter.Name))
                {
                    lock (instruments)
                    {
                        instruments.Add((instrument.Meter.Name, instrument));
                    }
                }
            },
        };
        listener.Start();
        CreateOrleansInstruments();
        // Npgsql creates its meter and instruments with the first data source; no connection is opened.
        await using (NpgsqlDataSource.Create("Host=127.0.0.1;Database=probe"))
        {
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.AddLaevitasMetrics();
        var app = builder.Build();
        app.MapLaevitasMetrics();
        CreateLaevitasInstruments(app.Services);
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            using var http = new HttpClient { BaseAddress = new Uri(address.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
            var scrape = await http.GetStringAsync("metrics");
            lock (instruments)
            {
                return new SiloMetricsProbe([.. instruments], scrape);
            }
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>Each component that owns "Laevitas" instruments, built as the silo builds it (minus its dependencies).</summary>
    private static void CreateLaevitasInstruments(IServiceProvider services)
    {
        var meters = services.GetRequiredService<IMeterFactory>();
        var time = TimeProvider.System;
        _ = new FeedMetrics(meters, new FeedStatus());
        _ = new TickWriterStatus(meters, Options.Create(new TickWriterOptions()), NullLogger<TickWriterStatus>.Instance);
        _ = new KafkaStreamStatus(meters);
        _ = new InstrumentAcceptStatus(meters);
        _ = new InstrumentStateStatus(meters);
        _ = new RetentionMetrics(meters);
        _ = new Laevitas.Silo.Settlements.SettlementMetrics(meters);
        _ = new Laevitas.Silo.Api.Authentication.ApiAuthenticationMetrics(meters);
        _ = new KafkaTickPublisher(Options.Create(new Laevitas.Streaming.Kafka.KafkaOptions()), Options.Create(new PublisherOptions()), meters, time, NullLogger<KafkaTickPublisher>.Instance);
        // The dispatcher only keeps the grain factory for later calls; none is made here.
        _ = new GrainTickSink(null!, new ProbeSiloDetails(), Options.Create(new DispatchOptions()), meters, time, NullLogger<GrainTickSink>.Instance);
        _ = new Laevitas.Silo.Memory.MemoryReclaimer(Options.Create(new Laevitas.Silo.Memory.MemoryOptions()), time, meters, NullLogger<Laevitas.Silo.Memory.MemoryReclaimer>.Instance);
    }

    /// <summary>Orleans keeps its instruments in static fields of its instrument classes: run their initializers.</summary>
    private static void CreateOrleansInstruments()
    {
        foreach (var assembly in new[] { typeof(Orleans.Runtime.SiloAddress).Assembly, typeof(Orleans.Runtime.ILocalSiloDetails).Assembly })
        {
            foreach (var type in SafeTypes(assembly))
            {
                if (type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic).Any(f => typeof(Instrument).IsAssignableFrom(f.FieldType)))
                {
                    RuntimeHelpers.RunClassConstructor(type.TypeHandle);
                }
            }
        }
    }

    private static Type[] SafeTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            return [.. ex.Types.OfType<Type>()];
        }
    }

    private sealed class ProbeSiloDetails : Orleans.Runtime.ILocalSiloDetails
    {
        public string Name => "probe";

        public string ClusterId => "probe";

        public string DnsHostName => "localhost";

        public Orleans.Runtime.SiloAddress SiloAddress { get; } = Orleans.Runtime.SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111), 1);

        public Orleans.Runtime.SiloAddress GatewayAddress { get; } = Orleans.Runtime.SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 30000), 1);
    }
}
