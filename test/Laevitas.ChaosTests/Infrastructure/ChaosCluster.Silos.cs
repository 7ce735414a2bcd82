using Laevitas.Testing.Processes;
using Laevitas.Testing;
using System.Globalization;
using System.Text.RegularExpressions;
using Laevitas.Grains.Abstractions.Clustering;
using Laevitas.Streaming.Kafka;
using Laevitas.LocalInfrastructure.Kafka;
using Laevitas.LocalInfrastructure.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Laevitas.ChaosTests.Infrastructure;

// The silo processes: membership, kills and restarts, which silos run a feed and which partitions each reads.
public sealed partial class ChaosCluster
{
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

                return await MembershipStatusAsync(silo, afterGeneration) == 3 && await AnswersHttpAsync(silo);
            },
            ChaosSettings.Patience, $"{silo.Name} to be Active in the membership table and answer HTTP", () => $"{silo.Name}: {Tail(silo)}");
    }

    /// <summary>
    /// Whether the silo's HTTP server answers <c>/health/live</c>. Kestrel starts listening after the silo is Active (a
    /// second later, seen: 12:19:42 Active, 12:19:43 listening), and a case that calls the API first must not find it closed.
    /// </summary>
    private static async Task<bool> AnswersHttpAsync(SiloProcess silo)
    {
        try
        {
            using var response = await HealthClient.GetAsync(silo.HttpBase + "/health/live");
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static readonly HttpClient HealthClient = new() { Timeout = TimeSpan.FromSeconds(5) };

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

    /// <summary>
    /// Sum over the running silos of a counter or gauge from their <c>/metrics</c> (every series of the name, whatever
    /// its labels).
    /// </summary>
    public async Task<double> SumMetricAsync(string name)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var series = new Regex($@"^{Regex.Escape(name)}(?:\{{[^}}]*\}})? ([0-9.eE+-]+)", RegexOptions.Multiline);
        double total = 0;
        foreach (var silo in silos.Where(s => s.IsRunning))
        {
            var text = await http.GetStringAsync($"{silo.HttpBase}/metrics");
            foreach (Match match in series.Matches(text))
            {
                total += double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            }
        }

        return total;
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

    /// <summary>
    /// Waits until exactly <see cref="FeedReplicas"/> running silos run a feed, none of them <paramref name="notThis"/>;
    /// returns one of them (the first slot), for cases that need "a feed silo".
    /// </summary>
    public async Task<SiloProcess> WaitForLeaderAsync(SiloProcess? notThis = null) => (await WaitForFeedSilosAsync(notThis))[0];

    /// <summary>Waits until exactly <see cref="FeedReplicas"/> running silos run a feed (none of them <paramref name="notThis"/>).</summary>
    public async Task<IReadOnlyList<SiloProcess>> WaitForFeedSilosAsync(SiloProcess? notThis = null)
    {
        List<SiloProcess> feeds = [];
        await Eventually.TrueAsync(
            () =>
            {
                feeds = silos.Where(IsFeedLeader).ToList();
                return feeds.Count == FeedReplicas && !feeds.Contains(notThis!);
            },
            ChaosSettings.Patience, $"exactly {FeedReplicas} silos to run a feed", DescribeSilos);
        return feeds;
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

    public string DescribeSilos() => string.Join(" | ", silos.Select(s =>
        $"{s.Name}#{s.Incarnation} {(s.IsRunning ? "up" : "down")}{(IsFeedLeader(s) ? " feed" : "")} queues [{string.Join(",", QueuesOf(s))}]"));

    private static string Tail(SiloProcess silo) => string.Join(" / ", silo.Lines.TakeLast(3));

    [GeneratedRegex(@"(?<event>Reading|Released) Kafka \S+?\[(?<partition>\d+)\]")]
    private static partial Regex QueueEvent();
}
