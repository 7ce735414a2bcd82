using Laevitas.Bench;
using Laevitas.Bench.Dispatch;
using Laevitas.Bench.EndToEnd;
using Laevitas.Bench.Feeds;
using Laevitas.Bench.Kafka;
using Laevitas.Bench.Parse;
using Laevitas.Bench.Pipeline;
using Laevitas.Bench.Spool;

IBenchCommand[] commands = [new KafkaBenchCommand(), new PipelineBenchCommand(), new DispatchBenchCommand(), new ParseBenchCommand(), new EndToEndBenchCommand(), new RedundantFeedsBenchCommand(), new SpoolBenchCommand()];

var command = args.Length > 0 ? Array.Find(commands, c => c.Name == args[0]) : null;
if (command is null)
{
    Console.Error.WriteLine("Usage: Laevitas.Bench COMMAND [options]   (run with -c Release)");
    foreach (var c in commands)
    {
        Console.Error.WriteLine($"  {c.Usage}");
    }

    return 2;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

try
{
    var arguments = new BenchArguments(args[1..]);
    return await command.RunAsync(arguments, cancellation.Token);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine($"Usage: {command.Usage}");
    return 2;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("Cancelled.");
    return 130;
}
