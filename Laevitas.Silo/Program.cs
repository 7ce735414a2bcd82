using Laevitas.LocalInfrastructure.Kafka;
using Laevitas.Silo.Api;
using Laevitas.Silo.Dispatch;
using Laevitas.Silo.Hosting;
using Laevitas.Silo.LocalMode;

// `Laevitas.Silo kafka-broker …` runs only the embedded broker, in a process of its own (local infrastructure).
if (await EmbeddedKafkaBrokerCommand.RunIfRequestedAsync(args))
{
    return;
}

var builder = WebApplication.CreateBuilder(LocalInfrastructureHost.HostArguments(args));

// Local mode: the simulator (--simulator), a private PostgreSQL and the embedded broker, each only when not configured.
await using var local = await LocalInfrastructureHost.StartAsync(builder, args);

builder.AddLaevitasSilo();                 // the Orleans silo: clustering, grain storage and schema on PostgreSQL
builder.AddDeribitFeed<GrainTickSink>();   // 1. feed: Deribit's WebSocket → ticks, on the feed silos
builder.AddTickDispatch();                 // 2. dispatch: each tick to its InstrumentGrain
builder.AddInstrumentGrains();             // 3. instrument grains: latest state; every tick to Kafka
builder.AddKafkaTickStream();              // 4. Kafka → an Orleans persistent stream, a queue per partition
builder.AddTickWriter();                   // 5. writer grains: batches → deribit_prices; history queries
builder.AddRetention();                    // daily partitions past Retention:Days dropped (off by default)
builder.AddSettlements();                  // delivery prices backfilled at start and after each 08:00 UTC settlement
builder.AddPipelineStats();                // the status line and /api/stats, over every stage
builder.AddLaevitasApi();                  // HTTP: API, health, metrics, dashboard

var app = builder.Build();
app.MapLaevitasApi();
app.Run();
