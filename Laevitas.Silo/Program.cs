using Laevitas.Silo.Clustering;

var builder = WebApplication.CreateBuilder(args);
builder.UseOrleans(silo => silo.UseLaevitasClustering(builder.Configuration));
var app = builder.Build();
app.MapGet("/", () => "Laevitas silo");
app.Run();
