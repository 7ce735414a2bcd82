using Laevitas.Testing.Processes;
using Laevitas.Testing;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Laevitas.ChaosTests.Infrastructure;
using Laevitas.DeribitSimulator.Universe;
using Xunit.Abstractions;

namespace Laevitas.ChaosTests.Input;

/// <summary>
/// A corpus of malformed and hostile messages sent by the exchange while it streams: each one is counted and skipped
/// where it is first found unusable (the feed, or the writer for values only it checks), duplicates are stored once,
/// a hostile instrument name is stored as data, the silos stay up and the database is unharmed.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed partial class BadInputTests(ChaosCluster cluster, ITestOutputHelper output)
{
    public const string HostileName = "BTC-'); DROP TABLE deribit_prices; --";

    [Fact]
    public async Task HostileAndMalformedMessagesAreCountedAndSkippedAndHarmNothing()
    {
        var chaosCase = await cluster.BeginCaseAsync("bad-input", 70,
            "Bad-input corpus: invalid JSON, truncated and 4 MiB frames, wrong types, NaN/Infinity, unknown channels and instruments, " +
            "negative/future timestamps, duplicate ticks, injection-shaped instrument names (also listed and streamed)", "corpus");
        var feedSilos = await cluster.WaitForFeedSilosAsync();
        var faults = cluster.Simulator.Faults;
        var rowsBefore = await cluster.CountRowsAsync(0, long.MaxValue);
        var ticker = cluster.Simulator.Connections.Where(c => c.ChannelCount > 0).Select(c => c.Id).First();
        await Task.Delay(TimeSpan.FromSeconds(2));

        // 1. Messages the feed itself must count and drop, each sent once on one ticker connection.
        // Each feed silo holds its own connections: the one that reports the probes sent on this connection owns it.
        var (leader, parseErrorsBefore) = await FlushParseErrorTotalAsync(feedSilos, ticker);
        chaosCase.FaultStarted();
        var now = ChaosCluster.NowMs();
        var feedLevel = new List<(string What, Func<int> Send)>
        {
            ("invalid JSON", () => faults.SendMalformedJson(ticker)),
            ("truncated JSON (half a notification)", () => faults.SendTruncatedJson(ticker)),
            ("wrong types (timestamp as a string)", () => faults.SendWrongTypes(ticker)),
            ("unknown channel", () => faults.SendUnknownChannel(ticker)),
            ("unknown method", () => faults.SendUnknownMethod(ticker)),
            ("4 MiB frame", () => faults.SendHugeFrame(4 * 1024 * 1024, ticker)),
            ("NaN literal", () => faults.SendRaw(Notification("ticker.BTC-PERPETUAL.100ms", "BTC-PERPETUAL", now, "\"mark_price\":NaN"), ticker)),
            ("Infinity literal", () => faults.SendRaw(Notification("ticker.BTC-PERPETUAL.100ms", "BTC-PERPETUAL", now, "\"mark_price\":-Infinity"), ticker)),
            ("not an object", () => faults.SendRaw("[1,2,3]"u8, ticker)),
            ("instrument_name a number", () => faults.SendRaw(Encoding.UTF8.GetBytes(
                $"{{\"jsonrpc\":\"2.0\",\"method\":\"subscription\",\"params\":{{\"channel\":\"ticker.BTC-PERPETUAL.100ms\",\"data\":{{\"timestamp\":{now},\"instrument_name\":42}}}}}}"), ticker)),
            ("unknown instrument", () => faults.SendRaw(Notification("ticker.BTC-1JAN30-1-C.100ms", "BTC-1JAN30-1-C", now, "\"mark_price\":1"), ticker)),
            ("injection-shaped name on an unknown channel", () => faults.SendRaw(Notification($"ticker.{HostileName}.100ms", HostileName, now, "\"mark_price\":1"), ticker)),
        };
        foreach (var (what, send) in feedLevel)
        {
            Assert.True(send() == 1, $"{what}: sent on exactly one connection");
        }

        // On a channel the connection does follow, with a different instrument inside: a mismatch, not a tick. Every
        // feed subscribes to that channel, so each feed silo gets it once (the count below reads this silo's only).
        var followed = FollowedChannel(ticker);
        var mismatchSent = faults.SendRawToSubscribers(followed, Notification(followed, HostileName, now, "\"mark_price\":1"));
        Assert.True(mismatchSent == ChaosCluster.FeedReplicas, $"injection-shaped name inside a followed channel: sent on {mismatchSent} connections, one per feed expected");
        feedLevel.Add(("injection-shaped name inside a followed channel", () => mismatchSent));

        var (_, parseErrorsAfter) = await FlushParseErrorTotalAsync([leader], ticker);
        var counted = parseErrorsAfter.Total - parseErrorsBefore.Total - parseErrorsAfter.Probes;
        Assert.Equal(feedLevel.Count, counted);

        // 2. Valid at the feed, unusable for the writer (values only it checks): each skipped, logged with its key.
        var writerLevel = new List<(string What, string Instrument, string Fields, long Timestamp)>();
        var victims = cluster.Simulator.Universe.Active.Where(i => i.SettlementCurrency == "BTC").Take(4).ToList();
        writerLevel.Add(("price \"Infinity\" as a string", victims[0].InstrumentName, "\"mark_price\":\"Infinity\"", ChaosCluster.NowMs()));
        writerLevel.Add(("price 1e999 (overflows to infinity)", victims[1].InstrumentName, "\"mark_price\":1e999", ChaosCluster.NowMs()));
        writerLevel.Add(("negative timestamp", victims[2].InstrumentName, "\"mark_price\":1", -5));
        writerLevel.Add(("timestamp in 2100", victims[3].InstrumentName, "\"mark_price\":1", 4_102_444_800_000));
        foreach (var (what, instrument, fields, timestamp) in writerLevel)
        {
            var channel = $"ticker.{instrument}.100ms";
            // Every feed subscribes to every channel: one copy per feed, which the grain publishes once.
            Assert.True(faults.SendRawToSubscribers(channel, Notification(channel, instrument, timestamp, fields)) == ChaosCluster.FeedReplicas, $"{what}: sent once per feed");
        }

        foreach (var (what, instrument, _, _) in writerLevel)
        {
            await Eventually.TrueAsync(() => cluster.Silos.Any(s => s.Lines.Any(l => l.Contains("Skipped an unusable tick", StringComparison.Ordinal) && l.Contains($"(key {instrument})", StringComparison.Ordinal))),
                TimeSpan.FromSeconds(60), $"the writer to skip and log the tick with {what} ({instrument})");
        }

        // 3. A duplicate of a tick already emitted in this window, with another price: the instrument grain has
        // accepted that timestamp already, so it publishes neither feed's copy and the stored row keeps its values.
        var original = await StoredTickAsync(chaosCase.StartMs);
        var originalChannel = $"ticker.{original.Instrument}.100ms";
        var originalMark = await MarkPriceAsync(original);
        Assert.NotEqual(DuplicateMark, originalMark);
        Assert.True(faults.SendRawToSubscribers(originalChannel, Notification(originalChannel, original.Instrument, original.Timestamp, $"\"mark_price\":{DuplicateMark.ToString(CultureInfo.InvariantCulture)}")) == ChaosCluster.FeedReplicas, "duplicate sent once per feed");

        // 4. An instrument listed under an injection-shaped name: discovered, subscribed, streamed and stored as data.
        var template = cluster.Simulator.Universe.Active.First(i => i.Kind == InstrumentKind.Future && i.IsPerpetual && i.SettlementCurrency == "BTC");
        if (!cluster.Simulator.Universe.IsActive(HostileName))
        {
            cluster.Simulator.AddListing(template with { InstrumentName = HostileName, InstrumentId = 9_000_001 });
        }

        await Eventually.TrueAsync(async () => await CountRowsForAsync(HostileName) > 0, ChaosSettings.Patience,
            "rows of the instrument with the injection-shaped name", cluster.DescribeSilos);

        // 5. Not bad at all, but unusual: an option expires and its last ticker says estimated_delivery_price "expired".
        var expiring = cluster.Simulator.Universe.Active
            .Where(i => i.Kind == InstrumentKind.Option && i.SettlementCurrency == "ETH")
            .OrderBy(i => i.ExpirationTimestamp)
            .First();
        Assert.True(cluster.Simulator.Expire(expiring.InstrumentName), "option expired");
        chaosCase.Notes.Add($"{expiring.InstrumentName} expired: its final ticker (estimated_delivery_price \"expired\") is reconciled like any tick");

        // 6. Last, a frame that never completes, followed by a TCP reset: the feed reconnects.
        var sessionsEnded = leader.Lines.Count(l => l.Contains("session ended", StringComparison.Ordinal));
        faults.SendTruncatedFrame(ticker);
        var cut = ChaosCluster.NowMs();
        chaosCase.Allowances.Add(new LossAllowance("in flight on the connection reset after the truncated frame", cut - 2_000, cut + 500));
        await Eventually.TrueAsync(() => leader.Lines.Count(l => l.Contains("session ended", StringComparison.Ordinal)) > sessionsEnded,
            TimeSpan.FromSeconds(60), "the feed to drop the connection that sent half a frame and reconnect");
        chaosCase.FaultEnded();

        var result = await cluster.EndCaseAsync(chaosCase,
            $"{feedLevel.Count} messages dropped and counted by the feed; {writerLevel.Count} ticks skipped and logged by the writer; 1 duplicate with another price not published (the grain had accepted its timestamp), the row unchanged; " +
            $"'{HostileName}' listed and stored as data");
        output.WriteLine(result.Describe());

        // Silos up, the database intact, the duplicate stored once, nothing else missing.
        Assert.All(cluster.Silos, s => Assert.True(s.IsRunning, $"{s.Name} is up"));
        Assert.True(await cluster.CountRowsAsync(0, long.MaxValue) > rowsBefore, "deribit_prices still there and growing");
        Assert.Equal(1, await CountKeyAsync(original.Instrument, original.Timestamp));
        Assert.Equal(originalMark, await MarkPriceAsync(original));
        Assert.Equal(0, await CountRowsOutsideAsync());
        Assert.Equal(0, result.MissingUnexpected);
        Assert.Empty(result.Phantom);
        Assert.Empty(result.ValuesDiffering);
    }

    private static byte[] Notification(string channel, string instrument, long timestamp, string fields)
    {
        var text = new StringBuilder();
        text.Append("{\"jsonrpc\":\"2.0\",\"method\":\"subscription\",\"params\":{\"channel\":");
        text.Append(JsonSerializer.Serialize(channel));
        text.Append(",\"data\":{\"timestamp\":").Append(timestamp.ToString(CultureInfo.InvariantCulture));
        text.Append(",\"instrument_name\":").Append(JsonSerializer.Serialize(instrument));
        text.Append(",\"state\":\"open\",").Append(fields).Append("}}}");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>A channel some ticker connection follows (any subscribed instrument's ticker channel).</summary>
    private string FollowedChannel(long connectionId)
    {
        foreach (var instrument in cluster.Simulator.Universe.Active)
        {
            var channel = $"ticker.{instrument.InstrumentName}.100ms";
            if (cluster.Simulator.Ledger.TimestampsFor(channel).Count > 0)
            {
                return channel;
            }
        }

        throw new InvalidOperationException($"no followed channel found (connection {connectionId})");
    }

    /// <summary>
    /// The feed logs unusable messages at most once per 5 s with the running total: send probes (invalid JSON) on
    /// the connection until one of <paramref name="candidates"/> reports anew, and return that silo (the connection's
    /// owner), its total and how many probes it includes.
    /// </summary>
    private async Task<(SiloProcess Owner, (long Total, int Probes) Count)> FlushParseErrorTotalAsync(IReadOnlyList<SiloProcess> candidates, long connectionId)
    {
        var marks = candidates.Select(c => c.Lines.Count).ToList();
        var probes = 0;
        long? total = null;
        SiloProcess? owner = null;
        await Eventually.TrueAsync(
            async () =>
            {
                for (var i = 0; i < candidates.Count; i++)
                {
                    var report = candidates[i].Lines.Skip(marks[i]).LastOrDefault(l => l.Contains("dropped an unusable message", StringComparison.Ordinal));
                    if (report is not null)
                    {
                        owner = candidates[i];
                        total = long.Parse(UnusableTotal().Match(report).Groups["total"].Value, CultureInfo.InvariantCulture);
                        return true;
                    }
                }

                probes += cluster.Simulator.Faults.SendMalformedJson(connectionId);
                await Task.Delay(TimeSpan.FromMilliseconds(700));
                return false;
            },
            TimeSpan.FromSeconds(30), "the feed to report its unusable-message total");
        return (owner!, (total!.Value, probes));
    }

    private async Task<TickKey> StoredTickAsync(long afterMs)
    {
        await using var command = cluster.Database.CreateCommand(
            "SELECT instrument_name, \"timestamp\" FROM deribit_prices WHERE \"timestamp\" > @after AND instrument_name LIKE 'BTC-%' ORDER BY \"timestamp\" LIMIT 1");
        command.Parameters.AddWithValue("after", afterMs);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "a stored tick of this window to duplicate");
        return new TickKey(reader.GetString(0), reader.GetInt64(1));
    }

    private async Task<long> CountRowsForAsync(string instrument)
    {
        await using var command = cluster.Database.CreateCommand("SELECT count(*) FROM deribit_prices WHERE instrument_name = @name");
        command.Parameters.AddWithValue("name", instrument);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private const double DuplicateMark = 12345.5;

    private async Task<double?> MarkPriceAsync(TickKey key)
    {
        await using var command = cluster.Database.CreateCommand("SELECT mark_price FROM deribit_prices WHERE instrument_name = @name AND \"timestamp\" = @ts");
        command.Parameters.AddWithValue("name", key.Instrument);
        command.Parameters.AddWithValue("ts", key.Timestamp);
        return await command.ExecuteScalarAsync() is double value ? value : null;
    }

    private async Task<long> CountKeyAsync(string instrument, long timestamp)
    {
        await using var command = cluster.Database.CreateCommand("SELECT count(*) FROM deribit_prices WHERE instrument_name = @name AND \"timestamp\" = @ts");
        command.Parameters.AddWithValue("name", instrument);
        command.Parameters.AddWithValue("ts", timestamp);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Rows stamped before 2000 or more than a day ahead: none may be stored.</summary>
    private async Task<long> CountRowsOutsideAsync()
    {
        await using var command = cluster.Database.CreateCommand("SELECT count(*) FROM deribit_prices WHERE \"timestamp\" < 946684800000 OR \"timestamp\" > @ahead");
        command.Parameters.AddWithValue("ahead", ChaosCluster.NowMs() + 86_400_000);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [GeneratedRegex(@"(?<total>\d+) in all")]
    private static partial Regex UnusableTotal();
}
