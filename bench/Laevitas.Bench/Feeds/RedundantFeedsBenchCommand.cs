using Laevitas.Bench.EndToEnd;
using Laevitas.LocalInfrastructure.Kafka;

namespace Laevitas.Bench.Feeds;

/// <summary>
/// <c>feeds</c>: only the redundant-feeds measurement (<see cref="RedundantFeedsRun"/>), against a private
/// PostgreSQL and the embedded broker (or <c>--kafka</c>); prints its table. <c>./bench.sh</c> runs it as the last
/// part of <c>all</c> and puts the table in <c>bench/results.md</c>.
/// </summary>
internal sealed class RedundantFeedsBenchCommand : IBenchCommand
{
    public string Name => "feeds";

    public string Usage => RedundantFeedsSettings.Usage;

    public async Task<int> RunAsync(BenchArguments arguments, CancellationToken cancellationToken)
    {
        var settings = RedundantFeedsSettings.Read(arguments);
        var kafka = arguments.String("kafka");
        arguments.RejectUnknown();
        if (RepositoryLayout.Configuration != "Release")
        {
            Console.Error.WriteLine($"This is a {RepositoryLayout.Configuration} build; figures need Release: dotnet run -c Release --project bench/Laevitas.Bench -- feeds");
            return 2;
        }

        await using var database = await BenchDatabase.StartAsync(fsync: true, cancellationToken);
        using var cluster = kafka is null ? MockKafkaCluster.Create(3) : null;
        var run = new RedundantFeedsRun(settings, database.ConnectionString, cluster, kafka ?? cluster!.BootstrapServers,
            new Dictionary<string, string>(), cancellationToken);
        var result = await run.RunAsync();
        Console.WriteLine();
        Console.WriteLine(RedundantFeedsReport.Markdown(result));
        return result.One.OnTopic == result.One.Generated && result.Two.OnTopic == result.Two.Generated ? 0 : 1;
    }
}
