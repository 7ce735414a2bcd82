using Laevitas.Grains.Storage;
using Laevitas.Silo.Api;
using Laevitas.Silo.Clustering;
using Laevitas.Silo.Dispatch;
using Laevitas.Silo.Embedded;
using Laevitas.Silo.Feed;
using Laevitas.Silo.Hosting;
using Laevitas.Silo.Simulation;

if (await EmbeddedKafkaBrokerCommand.RunIfRequestedAsync(args))
{
    return;
}

// The flag is ours, not a configuration key: keep it away from the command-line configuration provider,
// which would otherwise take the next argument as its value.
var hostArgs = args.Where(a => a != SimulatorModeExtensions.CommandLineFlag).ToArray();
var builder = WebApplication.CreateBuilder(hostArgs);
await using var simulator = await builder.StartSimulatorIfRequestedAsync(args);
await using var privatePostgres = await builder.StartPrivatePostgresIfUnconfiguredAsync();
builder.AddEmbeddedKafkaWhenUnconfigured();
builder.Services.AddLaevitasPostgres(builder.Configuration);
builder.UseOrleans(silo => silo.UseLaevitasClustering(builder.Configuration));
builder.UseOrleans(silo => silo.AddTickStream());
builder.UseOrleans(silo => silo.AddLaevitasInstrumentPipeline());
builder.Services.AddDeribitFeed(builder.Configuration);
builder.Services.AddHostedService<ListenAddressLogger>();
builder.AddLaevitasApi();
var app = builder.Build();
app.MapGet("/", () => "Laevitas silo");
app.MapLaevitasApi();
app.Run();
