using Laevitas.Silo.Embedded;

if (await EmbeddedKafkaBrokerCommand.RunIfRequestedAsync(args))
{
    return;
}

var builder = WebApplication.CreateBuilder(args);
builder.AddEmbeddedKafkaWhenUnconfigured();
builder.UseOrleans(silo => silo.UseLocalhostClustering());
var app = builder.Build();
app.MapGet("/", () => "Laevitas silo");
app.Run();
