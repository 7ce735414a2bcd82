using Laevitas.Silo.Clustering;
using Laevitas.Silo.Dispatch;
using Laevitas.Silo.Feed;

var builder = WebApplication.CreateBuilder(args);
builder.UseOrleans(silo => silo.UseLaevitasClustering(builder.Configuration));
builder.UseOrleans(silo => silo.AddLaevitasInstrumentPipeline());
builder.Services.AddDeribitFeed(builder.Configuration);
var app = builder.Build();
app.MapGet("/", () => "Laevitas silo");
app.Run();
