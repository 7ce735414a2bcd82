using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Laevitas.Testing;
using Laevitas.DeribitSimulator;
using Laevitas.Feed;
using Laevitas.Grains.Abstractions.Api;
using Laevitas.Grains.Abstractions.History;
using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Ticks;
using Laevitas.Tests.Infrastructure;
using Laevitas.Tests.Recordings;
using Xunit.Abstractions;

namespace Laevitas.Tests.EndToEnd;

/// <summary>
/// Real recorded Deribit tickers (Fixtures/deribit: perpetual, inverse and linear options, a settled option with
/// delivery_price, option and future combos) go through the whole pipeline of a silo wired as Program.cs wires it —
/// the feed's frame decoder → instrument grain → Kafka → tick stream → writer → <c>deribit_prices</c> — and are read
/// back through the HTTP history API. Every field of every message must
/// be rebuilt from the stored row alone, and the currency columns must tell inverse from linear.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RecordedTickersThroughThePipelineTests(PostgresFixture postgres, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private readonly PipelineInfrastructure pipeline = new("recorded-");

    // What the name says about the unit of the prices and the settlement currency (Deribit's get_instruments:
    // quote_currency / settlement_currency; inverse futures and perpetuals are quoted in USD).
    private static readonly Dictionary<string, (string Kind, string Currency, string Quote, string Settlement)> Expected = new()
    {
        ["BTC-PERPETUAL"] = ("perpetual", "BTC", "USD", "BTC"),
        ["BTC-8JUN20-8750-P"] = ("option", "BTC", "BTC", "BTC"),
        ["BTC-5JUN20-9250-C"] = ("option", "BTC", "BTC", "BTC"),
        ["ETH-5JUN20-310-P"] = ("option", "ETH", "ETH", "ETH"),
        ["ETH-10JUN20-270-C"] = ("option", "ETH", "ETH", "ETH"),
        ["BTC-STRD-30SEP22-20000"] = ("option_combo", "BTC", "BTC", "BTC"),
        ["BTC-CSR12-16SEP22-21000_23000"] = ("option_combo", "BTC", "BTC", "BTC"),
        ["BTC-FS-30SEP22_PERP"] = ("future_combo", "BTC", "USD", "BTC"),
        ["MATIC_USDC-9MAR24-1d02-C"] = ("option", "MATIC", "USDC", "USDC"),
    };

    public void Dispose() => pipeline.Dispose();

    [Fact]
    public async Task EveryFieldOfEveryRecordedTickerIsRebuiltFromItsStoredRow()
    {
        var recordings = DeribitRecordings.Tickers();
        // The recordings this test is about: if a fixture went missing the test must not pass on what is left.
        Assert.Equal(11, recordings.Count);
        Assert.Equal(Expected.Keys.Order(), recordings.Select(NameOf).Distinct().Order());

        var connectionString = await postgres.CreateDatabaseAsync("e2e_recorded_tickers");
        // An exchange that lists a few instruments of its own and sends nothing: the recorded ticks are the only ones.
        await using var simulator = await DeribitSimulatorServer.StartAsync(new SimulatorOptions { InstrumentCount = 4, TicksPerSecond = 0, Seed = 3 });
        // The silo follows only the simulator's instruments that no recording names (the simulator lists a
        // BTC-PERPETUAL of its own): the recorded ticks are the only ones those grains see.
        var followed = simulator.Universe.Active.Select(i => i.InstrumentName).Where(n => !Expected.ContainsKey(n)).ToArray();
        Assert.NotEmpty(followed);
        var settings = pipeline.SiloSettings(simulator.Url, connectionString, "recorded", partitions: 2);
        settings["Deribit:Instruments"] = string.Join(',', followed);
        await using var silo = await SiloApiHost.StartAsync(settings);

        // Each recorded frame goes through the feed's decoder (what a connection's receive loop runs on every
        // message: frame parse, channel lookup, name check, data copied out), then to its instrument grain in
        // exchange-time order per instrument (a grain keeps only ticks newer than the newest it took). Only the
        // WebSocket itself is left out.
        var receivedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var directory = new ChannelDirectory();
        foreach (var recording in recordings)
        {
            directory.Add(recording.Channel, NameOf(recording));
        }

        var decoder = new TickDecoder(directory);
        var decoded = new List<RawTick>();
        foreach (var recording in recordings)
        {
            var frame = decoder.Decode(Encoding.UTF8.GetBytes(recording.Frame), receivedAt, out var tick);
            Assert.True(frame.Kind == FrameKind.Tick && tick is not null, $"{recording}: {frame.Kind} {frame.Problem}");
            Assert.Equal((NameOf(recording), TimestampOf(recording)), (tick.InstrumentName, tick.Timestamp));
            Assert.Equal(recording.Data, Encoding.UTF8.GetString(tick.Payload));
            decoded.Add(tick);
        }

        foreach (var group in decoded.GroupBy(t => t.InstrumentName))
        {
            await silo.Grains.GetGrain<IInstrumentGrain>(group.Key).ReceiveTicksAsync(new TickBatch(group.OrderBy(t => t.Timestamp).ToArray()));
        }

        var rows = new Dictionary<RecordedNotification, PriceRow>();
        await Eventually.TrueAsync(
            async () =>
            {
                foreach (var recording in recordings.Where(r => !rows.ContainsKey(r)))
                {
                    var timestamp = TimestampOf(recording);
                    var history = await GetHistoryAsync(silo, $"api/instruments/{NameOf(recording)}/history?from={timestamp}&to={timestamp + 1}");
                    if (history.Rows.Count == 1)
                    {
                        rows[recording] = history.Rows[0];
                    }
                }

                return rows.Count == recordings.Count;
            },
            Patience, $"{recordings.Count} recorded tickers in deribit_prices",
            () => $"{rows.Count} stored; missing {string.Join(", ", recordings.Where(r => !rows.ContainsKey(r)))}");

        foreach (var recording in recordings)
        {
            var row = rows[recording];
            var rebuilt = TickerRebuilder.Rebuild(row);
            JsonEquivalence.AssertEquivalent(JsonNode.Parse(recording.Data), rebuilt, recording.ToString());
            var (kind, currency, quote, settlement) = Expected[row.InstrumentName];
            Assert.Equal((kind, currency, quote, settlement), (row.Kind, row.Currency, row.QuoteCurrency, row.SettlementCurrency));
            Assert.Equal(receivedAt, row.ReceivedAt!.Value.ToUnixTimeMilliseconds());
        }

        // The fields the issue names, checked against the recorded values themselves (not only through the rebuild).
        var settled = rows.Single(p => p.Value.InstrumentName == "BTC-8JUN20-8750-P").Value;
        Assert.Equal(9728.65, settled.DeliveryPrice);
        Assert.Null(settled.EstimatedDeliveryPrice);
        Assert.Equal("""{"estimated_delivery_price": "expired"}""", settled.Extra);
        var perpetual = rows.Single(p => p.Value.InstrumentName == "BTC-PERPETUAL" && p.Value.Timestamp == 1765541474086).Value;
        Assert.Equal((0.00001742, 0.0, 0.0028213400122472977, 1092371540.0, 1092371540.0),
            (perpetual.Funding8h, perpetual.CurrentFunding, perpetual.InterestValue, perpetual.StatsVolumeUsd, perpetual.StatsVolumeNotional));
        Assert.Null(perpetual.Extra);
        var combo = rows.Single(p => p.Value.InstrumentName == "BTC-FS-30SEP22_PERP").Value;
        Assert.Equal(("active", 8.5, 10.5), (combo.ComboState, combo.ImpliedBid, combo.ImpliedAsk));
        // Nulls sent as nulls stay present: the linear option's stats.price_change was null, last_price null.
        var linear = rows.Single(p => p.Value.InstrumentName == "MATIC_USDC-9MAR24-1d02-C").Value;
        Assert.True(TickerFields.IsPresent(linear.FieldsPresent!.Value, TickerField.LastPrice));
        Assert.Null(linear.LastPrice);
        Assert.False(TickerFields.IsPresent(linear.FieldsPresent.Value, TickerField.SettlementPrice));
        output.WriteLine($"{recordings.Count} recorded tickers of {rows.Values.Select(r => r.InstrumentName).Distinct().Count()} instruments rebuilt field by field");
    }

    private static string NameOf(RecordedNotification recording)
    {
        using var document = JsonDocument.Parse(recording.Data);
        return document.RootElement.GetProperty("instrument_name").GetString()!;
    }

    private static long TimestampOf(RecordedNotification recording)
    {
        using var document = JsonDocument.Parse(recording.Data);
        return document.RootElement.GetProperty("timestamp").GetInt64();
    }

    private static async Task<PriceHistory> GetHistoryAsync(SiloApiHost silo, string path)
    {
        using var response = await silo.Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<PriceHistory>(body, LaevitasJson.Compact)!;
    }
}
