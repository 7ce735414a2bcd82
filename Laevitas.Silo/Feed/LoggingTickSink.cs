using Laevitas.Grains.Abstractions.Instruments;
using Laevitas.Grains.Abstractions.Ticks;
using Microsoft.Extensions.Logging;

namespace Laevitas.Silo.Feed;

/// <summary>
/// Placeholder sink so the silo runs with the feed before grain dispatch is wired: ticks are dropped (the
/// feed's status still counts them), listing changes are logged. Registered only when no other sink is.
/// </summary>
internal sealed partial class LoggingTickSink(ILogger<LoggingTickSink> logger) : ITickSink
{
    public void OnTick(RawTick tick)
    {
    }

    public void OnInstrumentsListed(IReadOnlyList<InstrumentInfo> instruments) => Listed(logger, instruments.Count);

    public void OnInstrumentsDelisted(IReadOnlyList<string> instrumentNames) =>
        Delisted(logger, instrumentNames.Count, string.Join(", ", instrumentNames.Take(20)));

    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "No tick sink registered: {Count} instruments listed, ticks are counted but not dispatched")]
    private static partial void Listed(ILogger logger, int count);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "{Count} instruments delisted: {Names}")]
    private static partial void Delisted(ILogger logger, int count, string names);
}
