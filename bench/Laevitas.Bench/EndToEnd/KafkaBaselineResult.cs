namespace Laevitas.Bench.EndToEnd;

/// <summary>Raw produce + consume through the broker: messages that made the whole trip, per second.</summary>
internal sealed record KafkaBaselineResult(long Produced, long Consumed, TimeSpan Elapsed, TimeSpan ProcessCpu, bool Trimmed)
{
    public double MessagesPerSecond => Consumed / Elapsed.TotalSeconds;
}
