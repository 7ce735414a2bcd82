using System.Collections.Concurrent;
using Laevitas.Grains.Abstractions.Trades;
using Laevitas.Grains.Publishing;

namespace Laevitas.Tests.Grains.Instruments;

/// <summary>
/// Stands in for the trades topic's publisher where a test needs to see exactly what an instrument grain handed over,
/// and to make the next publish fail (<see cref="FailNext"/>), as a spool that cannot be written does.
/// </summary>
internal sealed class RecordingTradePublisher : ITradePublisher
{
    private readonly ConcurrentQueue<RawTrade> published = new();
    private int failNext;

    public IReadOnlyList<RawTrade> Published => published.ToArray();

    public void FailNext() => Volatile.Write(ref failNext, 1);

    public Task PublishAsync(IReadOnlyList<RawTrade> trades)
    {
        if (Interlocked.Exchange(ref failNext, 0) == 1)
        {
            return Task.FromException(new IOException("spool not written (test)"));
        }

        foreach (var trade in trades)
        {
            published.Enqueue(trade);
        }

        return Task.CompletedTask;
    }

    public PublisherStatus GetStatus() => new();
}
