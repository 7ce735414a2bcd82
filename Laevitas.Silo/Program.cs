using Laevitas.Grains.Storage;
using Laevitas.Silo.Api;
using Laevitas.Silo.Clustering;
using Laevitas.Silo.Dispatch;
using Laevitas.Silo.Embedded;
using Laevitas.Silo.Feed;
using Laevitas.Silo.Hosting;

if (await EmbeddedKafkaBrokerCommand.RunIfRequestedAsync(args))
{
    return;
}

var builder = WebApplication.CreateBuilder(args);
await using var privatePostgres = await builder.StartPrivatePostgresIfUnconfiguredAsync();
builder.AddEmbeddedKafkaWhenUnconfigured();
builder.Services.AddLaevitasPostgres(builder.Configuration);
builder.UseOrleans(silo => silo.UseLaevitasClustering(builder.Configuration));
builder.UseOrleans(silo => silo.AddLaevitasInstrumentPipeline());
builder.Services.AddDeribitFeed(builder.Configuration);
builder.Services.AddHostedService<ListenAddressLogger>();
builder.AddLaevitasApi();
var app = builder.Build();
app.MapGet("/", () => "Laevitas silo");
app.MapLaevitasApi();
app.Run();
