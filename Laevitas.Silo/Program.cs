using Laevitas.Silo.Feed;

var builder = WebApplication.CreateBuilder(args);
builder.UseOrleans(silo => silo.UseLocalhostClustering());
builder.Services.AddDeribitFeed(builder.Configuration);
var app = builder.Build();
app.MapGet("/", () => "Laevitas silo");
app.Run();
