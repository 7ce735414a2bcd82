var builder = WebApplication.CreateBuilder(args);
builder.UseOrleans(silo => silo.UseLocalhostClustering());
var app = builder.Build();
app.MapGet("/", () => "Laevitas silo");
app.Run();
