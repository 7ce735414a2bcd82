using Laevitas.Testing.Processes;
using Laevitas.Testing;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Laevitas.ChaosTests.Reporting;
using Laevitas.DeribitSimulator;
using Laevitas.Grains.Abstractions.Clustering;
using Laevitas.Streaming.Kafka;
using Laevitas.LocalInfrastructure.Kafka;
using Laevitas.LocalInfrastructure.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Laevitas.ChaosTests.Infrastructure;

/// <summary>
/// The whole system as processes: a private PostgreSQL server and the Kafka broker (librdkafka mock cluster) in the
/// test process, the Deribit simulator in the test process (recording what it sends), and <see cref="SiloCount"/>
/// silo processes clustered through the Postgres membership table. Shared by the chaos collection: every case starts
/// from a healthy, caught-up system (<see cref="BeginCaseAsync"/>) and ends with an exact reconciliation of its window
/// (<see cref="EndCaseAsync"/>).
/// </summary>
public sealed partial class ChaosCluster : IAsyncLifetime
{
    public const int SiloCount = 3;
    public const int Partitions = 6;
    public const string Topic = "deribit";
    public const string ClientId = "laevitas-chaos";

    /// <summary>The writers' consumer group (KafkaStreamOptions.ConsumerGroup default).</summary>
    public const string WriterGroup = "laevitas-writer";

    private readonly List<SiloProcess> _silos = [];
    private readonly Dictionary<string, string> _siloEnvironment = new(StringComparer.Ordinal);
    private IHost? _client;

    public PrivatePostgres Postgres { get; } = new();

    public MockKafkaCluster Kafka { get; private set; } = null!;

    public DeribitSimulatorServer Simulator { get; private set; } = null!;

    public NpgsqlDataSource Database { get; private set; } = null!;

    public string ConnectionString { get; private set; } = "";

    public string ClusterId { get; } = "chaos-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Given to the silos as Deribit__ClientSecret; must never show up in their logs.</summary>
    public string ClientSecret { get; } = "chaos-secret-" + Guid.NewGuid().ToString("N");

    public string RunDirectory { get; } = Path.Combine(Path.GetTempPath(), "laevitas-chaos", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Environment.ProcessId);

    public string LogDirectory => Path.Combine(RunDirectory, "logs");

    public IReadOnlyList<SiloProcess> Silos => _silos;

    public ReliabilityReport Report { get; } = new();

    public async Task InitializeAsync()
    {
        ChildProcessRegistry.ReapOrphans();
        Directory.CreateDirectory(LogDirectory);
        await Postgres.StartAsync();
        ConnectionString = await CreateDatabaseAsync("laevitas_chaos");
        Database = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(ConnectionString) { Timeout = 5, CommandTimeout = 60 }.ConnectionString);

        Kafka = MockKafkaCluster.Create(brokers: 1);
        Kafka.CreateTopic(Topic, Partitions);

        var simulatorOptions = new SimulatorOptions
        {
            InstrumentCount = ChaosSettings.Instruments,
            TicksPerSecond = ChaosSettings.TicksPerSecond,
            RecordEmitted = true,
            Seed = 8,
        };
        simulatorOptions.Credentials.Add(new SimulatorCredential(ClientId, ClientSecret));
        Simulator = await DeribitSimulatorServer.StartAsync(simulatorOptions);

        foreach (var (key, value) in BaseEnvironment())
        {
            _siloEnvironment[key] = value;
        }

        for (var i = 1; i <= SiloCount; i++)
        {
            AddSlot();
        }

        foreach (var silo in _silos)
        {
            silo.Start();
        }

        foreach (var silo in _silos)
        {
            await WaitActiveAsync(silo);
        }

        await WaitForLeaderAsync();
        await Eventually.TrueAsync(() => Simulator.GetStatistics().Subscriptions >= 2_000, ChaosSettings.Patience,
            "the feed to subscribe at least 2,000 instruments", () => $"{Simulator.GetStatistics().Subscriptions} subscribed");
        await Eventually.TrueAsync(async () => await CountRowsAsync(0, long.MaxValue) > 0, ChaosSettings.Patience,
            "the first rows in deribit_prices", DescribeSilos);
    }

    public async Task DisposeAsync()
    {
        try
        {
            var written = Report.Write();
            if (written is not null)
            {
                Console.WriteLine($"Reliability report written to {written}");
            }
        }
        finally
        {
            if (_client is not null)
            {
                try
                {
                    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    await _client.StopAsync(stop.Token);
                }
                catch (Exception)
                {
                    // The cluster may already be gone; nothing to hand back.
                }

                _client.Dispose();
            }

            foreach (var silo in _silos)
            {
                await silo.DisposeAsync();
            }

            if (Simulator is not null)
            {
                await Simulator.DisposeAsync();
            }

            Kafka?.Dispose();
            if (Database is not null)
            {
                await Database.DisposeAsync();
            }

            await Postgres.DisposeAsync();
        }
    }

    /// <summary>Adds a silo slot (not started) with the cluster's settings.</summary>
    public SiloProcess AddSlot()
    {
        var name = $"silo-{_silos.Count + 1}";
        var silo = new SiloProcess(name, LogDirectory, Path.Combine(RunDirectory, "spool", name), _siloEnvironment);
        _silos.Add(silo);
        return silo;
    }

    /// <summary>Removes a slot added by a case (killing its process) so the next case starts from the baseline.</summary>
    public async Task RemoveSlotAsync(SiloProcess silo)
    {
        await silo.StopAsync();
        await silo.DisposeAsync();
        _silos.Remove(silo);
    }

    private Dictionary<string, string> BaseEnvironment() => new(StringComparer.Ordinal)
    {
        // Three silos, the broker and the test share two cores here: the workstation GC keeps each silo to one GC
        // heap and thread (the silo's own default, server GC with a heap per core, is for a machine of its own).
        ["DOTNET_gcServer"] = "0",
        ["DOTNET_TieredPGO"] = "0",
        // Each silo has two pools (Orleans' ADO.NET providers and the writer's data source), 100 connections each by
        // default: three silos could open 600 against the server's 200 and fail grain activations with 53300
        // "too many clients" while thousands of instruments activate at once. Operators size this the same way.
        ["ConnectionStrings__Postgres"] = new NpgsqlConnectionStringBuilder(ConnectionString) { MaxPoolSize = 20 }.ConnectionString,
        ["Kafka__BootstrapServers"] = Kafka.BootstrapServers,
        ["Kafka__Topic"] = Topic,
        ["Kafka__Partitions"] = Partitions.ToString(CultureInfo.InvariantCulture),
        ["Kafka__ReplicationFactor"] = "1",
        ["Orleans__ClusteringMode"] = "AdoNet",
        ["Orleans__ClusterId"] = ClusterId,
        ["Orleans__AdvertisedIPAddress"] = "127.0.0.1",
        ["Deribit__Url"] = Simulator.Url,
        ["Deribit__Currencies"] = "BTC,ETH,USDC",
        ["Deribit__ClientId"] = ClientId,
        ["Deribit__ClientSecret"] = ClientSecret,
        ["Deribit__HeartbeatIntervalSeconds"] = "10",
        ["Deribit__DeadLinkMarginSeconds"] = "1",
        ["Deribit__ReconnectMinDelaySeconds"] = "0.2",
        ["Deribit__ReconnectMaxDelaySeconds"] = "2",
        ["Deribit__RateLimitBackoffSeconds"] = "1",
        ["Deribit__CircuitBreakerFailureThreshold"] = "3",
        ["Deribit__CircuitBreakerOpenSeconds"] = "2",
        ["Deribit__ConnectTimeoutSeconds"] = "3",
        ["Deribit__RequestTimeoutSeconds"] = "5",
        ["Deribit__DiscoveryCallsPerSecond"] = "20",
        // Listings added by a case (the hostile name) are picked up within seconds, not the default 5 minutes.
        ["Deribit__DiscoveryRefreshSeconds"] = "15",
        ["Instruments__PersistInterval"] = "00:00:10",
        ["Logging__Console__FormatterName"] = "simple",
        ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
        ["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true",
        ["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled",
        ["Logging__LogLevel__Default"] = "Information",
        ["Logging__LogLevel__Microsoft"] = "Warning",
        ["Logging__LogLevel__Orleans"] = "Warning",
        ["Logging__LogLevel__Npgsql"] = "Warning",
    };

    // ---------------------------------------------------------------- silos

    /// <summary>Waits until the silo's current incarnation is Active in the membership table.</summary>
    public async Task WaitActiveAsync(SiloProcess silo, long afterGeneration = 0)
    {
        await Eventually.TrueAsync(
            async () =>
            {
                if (silo.UnexpectedExitCode is { } code)
                {
                    throw new InvalidOperationException($"{silo.Name} exited with code {code} while starting; see {silo.LogPath}");
                }

                return await MembershipStatusAsync(silo, afterGeneration) == 3;
            },
            ChaosSettings.Patience, $"{silo.Name} to be Active in the membership table", () => $"{silo.Name}: {Tail(silo)}");
    }

    /// <summary>Status (Orleans SiloStatus) and generation of the newest membership row of a slot's port.</summary>
    public async Task<(int Status, long Generation)?> MembershipRowAsync(SiloProcess silo)
    {
        await using var command = Database.CreateCommand(
            "SELECT status, generation FROM orleans_membership WHERE deployment_id = @cluster AND port = @port ORDER BY generation DESC LIMIT 1");
        command.Parameters.AddWithValue("cluster", ClusterId);
        command.Parameters.AddWithValue("port", silo.SiloPort);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt32(0), reader.GetInt64(1)) : null;
    }

    private async Task<int?> MembershipStatusAsync(SiloProcess silo, long afterGeneration) =>
        await MembershipRowAsync(silo) is { } row && row.Generation > afterGeneration ? row.Status : null;

    /// <summary>Starts PostgreSQL again after a stop or kill, and drops the test's pooled connections to the old server.</summary>
    public async Task StartPostgresAsync()
    {
        await Postgres.StartAsync();
        Database.Clear();
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>SIGKILLs a silo; returns the generation of the killed incarnation.</summary>
    public async Task<long> KillAsync(SiloProcess silo)
    {
        var generation = (await MembershipRowAsync(silo))?.Generation ?? 0;
        await silo.KillAsync();
        return generation;
    }

    /// <summary>Starts a slot again and waits until its new incarnation is Active.</summary>
    public async Task RestartAsync(SiloProcess silo, long previousGeneration)
    {
        silo.Start();
        await WaitActiveAsync(silo, previousGeneration);
    }

    /// <summary>The silo whose current incarnation runs the feed (its last leadership log line says acquired).</summary>
    public static bool IsFeedLeader(SiloProcess silo)
    {
        if (!silo.IsRunning)
        {
            return false;
        }

        var last = silo.Lines.LastOrDefault(l => l.Contains("Feed leadership acquired", StringComparison.Ordinal) || l.Contains("Feed leadership released", StringComparison.Ordinal));
        return last?.Contains("acquired", StringComparison.Ordinal) == true;
    }

    /// <summary>Waits until exactly one running silo runs the feed; returns it.</summary>
    public async Task<SiloProcess> WaitForLeaderAsync(SiloProcess? notThis = null)
    {
        SiloProcess? leader = null;
        await Eventually.TrueAsync(
            () =>
            {
                var leaders = _silos.Where(IsFeedLeader).ToList();
                leader = leaders.Count == 1 && leaders[0] != notThis ? leaders[0] : null;
                return leader is not null;
            },
            ChaosSettings.Patience, "exactly one silo to run the feed", DescribeSilos);
        return leader!;
    }

    /// <summary>Kafka partitions (stream queues) the silo's current incarnation reads, from its receiver log lines.</summary>
    public static SortedSet<int> QueuesOf(SiloProcess silo)
    {
        var owned = new SortedSet<int>();
        if (!silo.IsRunning)
        {
            return owned;
        }

        foreach (var line in silo.Lines)
        {
            var match = QueueEvent().Match(line);
            if (!match.Success)
            {
                continue;
            }

            var partition = int.Parse(match.Groups["partition"].Value, CultureInfo.InvariantCulture);
            if (match.Groups["event"].Value == "Reading")
            {
                owned.Add(partition);
            }
            else
            {
                owned.Remove(partition);
            }
        }

        return owned;
    }

    public string DescribeSilos() => string.Join(" | ", _silos.Select(s =>
        $"{s.Name}#{s.Incarnation} {(s.IsRunning ? "up" : "down")}{(IsFeedLeader(s) ? " feed" : "")} queues [{string.Join(",", QueuesOf(s))}]"));

    private static string Tail(SiloProcess silo) => string.Join(" / ", silo.Lines.TakeLast(3));

    [GeneratedRegex(@"(?<event>Reading|Released) Kafka \S+?\[(?<partition>\d+)\]")]
    private static partial Regex QueueEvent();

    // ---------------------------------------------------------------- client

    /// <summary>An Orleans client of the cluster (gateways from the membership table), started on first use.</summary>
    public async Task<IClusterClient> ClientAsync()
    {
        if (_client is null)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Orleans:ClusteringMode"] = "AdoNet",
                ["Orleans:ClusterId"] = ClusterId,
                ["ConnectionStrings:Postgres"] = ConnectionString,
            }).Build();
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.UseOrleansClient(client => client.UseLaevitasClustering(configuration));
            var host = builder.Build();
            await host.StartAsync();
            _client = host;
        }

        return _client.Services.GetRequiredService<IClusterClient>();
    }

    // ---------------------------------------------------------------- cases

    /// <summary>
    /// Brings the system back to the baseline (every slot running and Active, database and broker up, no exchange
    /// fault) and opens a case window at the current time.
    /// </summary>
    public async Task<ChaosCase> BeginCaseAsync(string id, int order, string fault, string duration)
    {
        Simulator.Faults.EndSilence();
        Simulator.Faults.AcceptConnections();
        Kafka.SetAllBrokersUp();
        Kafka.SetAllBrokersRtt(TimeSpan.Zero);
        if (!Postgres.IsRunning)
        {
            await StartPostgresAsync();
        }

        foreach (var silo in _silos)
        {
            if (!silo.IsRunning)
            {
                var generation = (await MembershipRowAsync(silo))?.Generation ?? 0;
                silo.Start();
                await WaitActiveAsync(silo, generation);
            }
        }

        await WaitForLeaderAsync();
        var chaosCase = new ChaosCase(id, order, fault, duration, HighWatermarks());
        Console.WriteLine($"[{id}] begins at {chaosCase.StartMs}; logs in {LogDirectory}; {DescribeSilos()}");
        return chaosCase;
    }

    /// <summary>
    /// Closes the case: measures recovery (every tick emitted before the fault ended is stored), closes the window,
    /// waits for the pipeline to store the whole window, reconciles it exactly, records the row for the report.
    /// The caller asserts on the returned reconciliation.
    /// </summary>
    public async Task<Reconciliation> EndCaseAsync(ChaosCase chaosCase, string notes = "")
    {
        double? recovery = null;
        try
        {
            if (chaosCase.FaultEndMs is { } end)
            {
                await WaitStoredAsync(chaosCase, end, "every tick emitted before the fault ended to be stored");
                recovery = (NowMs() - end) / 1000.0;
            }

            chaosCase.EndMs = NowMs();
            // Ticks are written to sockets moments after they are stamped: let the window's last ones go out.
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            await WaitStoredAsync(chaosCase, chaosCase.EndMs, "every tick of the window to be stored");
        }
        catch (TimeoutException ex)
        {
            // Something is missing for good: close the window shortly after the fault and reconcile what is there.
            Console.WriteLine($"[{chaosCase.Id}] {ex.Message}");
            chaosCase.EndMs = (chaosCase.FaultEndMs ?? chaosCase.StartMs) + 2_000;
        }

        // Whatever is still on its way (ticks an allowance covers may be late rather than lost) has reached the
        // writers once the writer group has committed everything the topic holds now.
        await WaitDrainedAsync();
        var result = await ReconcileAsync(chaosCase, chaosCase.EndMs, withKafka: true);
        var passed = result.MissingUnexpected == 0 && result.Phantom.Count == 0 && result.Duplicates == 0;
        if (result.Missing.Count > 0)
        {
            chaosCase.Notes.Add($"{result.MissingOnKafka} of the missing ticks reached Kafka");
        }

        Report.Add(new FaultResult
        {
            Id = chaosCase.Id,
            Order = chaosCase.Order,
            Fault = chaosCase.Fault,
            Duration = chaosCase.Duration,
            TicksEmitted = result.Emitted,
            RowsStored = result.Stored,
            Duplicates = result.Duplicates,
            KafkaRepeats = result.KafkaDuplicates,
            ExpectedMissingBound = result.ExpectedBound,
            Missing = result.Missing.Count,
            RecoverySeconds = recovery,
            Passed = passed,
            Notes = string.Join("; ", new[] { notes }.Concat(chaosCase.Notes).Where(n => n.Length > 0)),
            Mode = ChaosSettings.Soak ? "soak" : "ci",
            RanAt = DateTimeOffset.UtcNow,
        });
        Console.WriteLine($"[{chaosCase.Id}] {result.Describe()}; recovery {recovery?.ToString("0.0", CultureInfo.InvariantCulture) ?? "-"} s; {DescribeSilos()}");
        return result;
    }

    /// <summary>Waits until the writers' consumer group has committed every message the topic holds now.</summary>
    public async Task WaitDrainedAsync()
    {
        var target = HighWatermarks();
        long[] committed = [];
        try
        {
            await Eventually.TrueAsync(
                () =>
                {
                    committed = CommittedOffsets();
                    return committed.Zip(target).All(p => p.First >= p.Second);
                },
                ChaosSettings.Patience, "the writers to commit everything on the topic",
                () => $"committed [{string.Join(",", committed)}] of [{string.Join(",", target)}]; {DescribeSilos()}");
        }
        catch (TimeoutException ex)
        {
            // Reconcile anyway: the missing ticks are then reported, with where they were lost.
            Console.WriteLine(ex.Message);
        }
    }

    public long[] CommittedOffsets()
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(KafkaClientConfigs.Consumer(KafkaOptions(), WriterGroup, "chaos-committed")).Build();
        var partitions = Enumerable.Range(0, Partitions).Select(p => new TopicPartition(Topic, p)).ToList();
        return consumer.Committed(partitions, TimeSpan.FromSeconds(30)).OrderBy(c => c.Partition.Value).Select(c => c.Offset.Value).ToArray();
    }

    private async Task WaitStoredAsync(ChaosCase chaosCase, long upToMs, string what)
    {
        Reconciliation? last = null;
        await Eventually.TrueAsync(
            async () =>
            {
                last = await ReconcileAsync(chaosCase, upToMs, withKafka: false);
                return last.MissingUnexpected == 0;
            },
            ChaosSettings.Patience, what, () => $"{last?.Describe()}; {DescribeSilos()}");
    }

    /// <summary>Compares the ledger with the table for exchange timestamps in (case start, <paramref name="upToMs"/>].</summary>
    public async Task<Reconciliation> ReconcileAsync(ChaosCase chaosCase, long upToMs, bool withKafka)
    {
        var from = chaosCase.StartMs;
        var emitted = new HashSet<TickKey>();
        foreach (var (channel, timestamps) in Simulator.Ledger.Snapshot())
        {
            var instrument = InstrumentOf(channel);
            foreach (var timestamp in timestamps)
            {
                if (timestamp > from && timestamp <= upToMs)
                {
                    emitted.Add(new TickKey(instrument, timestamp));
                }
            }
        }

        foreach (var injected in chaosCase.Injected)
        {
            if (injected.Timestamp > from && injected.Timestamp <= upToMs)
            {
                emitted.Add(injected);
            }
        }

        var stored = new HashSet<TickKey>();
        long rows = 0;
        await using (var command = Database.CreateCommand(
            "SELECT instrument_name, \"timestamp\" FROM deribit_prices WHERE \"timestamp\" > @from AND \"timestamp\" <= @to"))
        {
            command.Parameters.AddWithValue("from", from);
            command.Parameters.AddWithValue("to", upToMs);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows++;
                stored.Add(new TickKey(reader.GetString(0), reader.GetInt64(1)));
            }
        }

        var missing = emitted.Where(k => !stored.Contains(k)).OrderBy(k => k.Timestamp).ToList();
        var allowed = missing.Count(k => chaosCase.Allowances.Any(a => a.Covers(k.Instrument, k.Timestamp)));
        var bound = emitted.LongCount(k => chaosCase.Allowances.Any(a => a.Covers(k.Instrument, k.Timestamp)));
        var phantom = stored.Where(k => !emitted.Contains(k) && !chaosCase.Tolerated.Contains(k)).OrderBy(k => k.Timestamp).ToList();
        var (kafkaMessages, kafkaDuplicates, onKafka) = withKafka ? ReadKafka(chaosCase, from, upToMs) : (0, 0, []);
        var missingOnKafka = missing.Count(onKafka.Contains);
        return new Reconciliation(emitted.Count, rows, rows - stored.Count, kafkaMessages, kafkaDuplicates, missing, allowed, bound, phantom, missingOnKafka);
    }

    public async Task<long> CountRowsAsync(long fromExclusive, long toInclusive)
    {
        await using var command = Database.CreateCommand("SELECT count(*) FROM deribit_prices WHERE \"timestamp\" > @from AND \"timestamp\" <= @to");
        command.Parameters.AddWithValue("from", fromExclusive);
        command.Parameters.AddWithValue("to", toInclusive);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static string InstrumentOf(string channel)
    {
        // ticker.{instrument}.{interval}
        var start = channel.IndexOf('.', StringComparison.Ordinal) + 1;
        var end = channel.LastIndexOf('.');
        return channel[start..end];
    }

    public long[] HighWatermarks()
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(KafkaClientConfigs.Consumer(KafkaOptions(), "chaos-probe", "chaos-probe")).Build();
        return Enumerable.Range(0, Partitions)
            .Select(p => consumer.QueryWatermarkOffsets(new TopicPartition(Topic, p), TimeSpan.FromSeconds(30)).High.Value)
            .ToArray();
    }

    /// <summary>The exchange timestamp of a tick record: the <c>timestamp</c> field of its JSON value.</summary>
    private static long ExchangeTimestamp(byte[] value)
    {
        using var json = System.Text.Json.JsonDocument.Parse(value);
        return json.RootElement.GetProperty("timestamp").GetInt64();
    }

    /// <summary>Messages on the topic for ticks of the window, how many repeat a tick already seen, and the ticks seen.</summary>
    private (long Messages, long Repeats, HashSet<TickKey> Seen) ReadKafka(ChaosCase chaosCase, long from, long to)
    {
        var end = HighWatermarks();
        using var consumer = new ConsumerBuilder<string, byte[]>(KafkaClientConfigs.Consumer(KafkaOptions(), "chaos-reader", "chaos-reader")).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(Topic, p, chaosCase.StartOffsets[p])));
        var seen = new HashSet<TickKey>();
        long messages = 0, repeats = 0;
        var done = new bool[Partitions];
        var remaining = 0;
        for (var p = 0; p < Partitions; p++)
        {
            done[p] = end[p] <= chaosCase.StartOffsets[p];
            remaining += done[p] ? 0 : 1;
        }

        var deadline = Stopwatch.StartNew();
        while (remaining > 0 && deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            var record = consumer.Consume(TimeSpan.FromSeconds(1));
            if (record is null)
            {
                continue;
            }

            var partition = record.Partition.Value;
            // The record timestamp is the silo's receive time; the tick's identity is its exchange timestamp.
            var timestamp = ExchangeTimestamp(record.Message.Value);
            if (timestamp > from && timestamp <= to)
            {
                messages++;
                if (!seen.Add(new TickKey(record.Message.Key, timestamp)))
                {
                    repeats++;
                }
            }

            if (!done[partition] && record.Offset.Value + 1 >= end[partition])
            {
                done[partition] = true;
                remaining--;
            }
        }

        return (messages, repeats, seen);
    }

    private KafkaOptions KafkaOptions() => new()
    {
        BootstrapServers = Kafka.BootstrapServers,
        Topic = Topic,
        Partitions = Partitions,
        ReplicationFactor = 1,
    };

    public static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private async Task<string> CreateDatabaseAsync(string database)
    {
        await using var connection = new NpgsqlConnection(Postgres.ConnectionString);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        return Postgres.ConnectionStringFor(database);
    }
}
