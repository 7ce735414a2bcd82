namespace Laevitas.Grains.Abstractions.Stats;

/// <summary>The silos' pipeline reports added up. Null: no silo reports that part.</summary>
public sealed record PipelineTotals
{
    public int ReportingSilos { get; init; }
    public bool? FeedConnected { get; init; }
    public int? InstrumentsFollowed { get; init; }
    public double? TicksInPerSecond { get; init; }
    public long? TicksReceived { get; init; }
    public long? ParseErrors { get; init; }
    public long? Reconnects { get; init; }
    public long? DispatchPending { get; init; }
    public long? DispatchDropped { get; init; }
    public double? DispatchPacedTo { get; init; }
    public double? PublishedPerSecond { get; init; }
    public long? Published { get; init; }
    public long? PublishBuffered { get; init; }
    public long? PublishSpoolPending { get; init; }
    public long? PublishDropped { get; init; }
    public double? RowsWrittenPerSecond { get; init; }
    public long? RowsWritten { get; init; }
    public long? WriteFailures { get; init; }
    public long? DeadLettered { get; init; }
    public bool? DatabaseAvailable { get; init; }
    public long? KafkaLag { get; init; }
    public long? KafkaExpired { get; init; }
    public long? DuplicatesDropped { get; init; }
    public long? LateAccepted { get; init; }
    public long? TooOld { get; init; }
    public long? TradesReceived { get; init; }
    public long? TradesPublished { get; init; }
    public long? TradesSpoolPending { get; init; }
    public long? TradeRowsWritten { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? LastErrorAt { get; init; }
    public string? LastErrorSource { get; init; }
    public string? LastErrorSilo { get; init; }

    public static PipelineTotals Sum(IReadOnlyList<SiloPipelineStats> silos)
    {
        ArgumentNullException.ThrowIfNull(silos);
        SiloPipelineStats? latestError = null;
        foreach (var s in silos)
        {
            if (s.LastErrorAt is { } at && (latestError?.LastErrorAt is not { } best || at > best))
            {
                latestError = s;
            }
        }

        return new PipelineTotals
        {
            ReportingSilos = silos.Count,
            FeedConnected = Any(silos, s => s.FeedConnected),
            InstrumentsFollowed = SumInt(silos, s => s.InstrumentsFollowed),
            TicksInPerSecond = SumDouble(silos, s => s.TicksInPerSecond),
            TicksReceived = SumLong(silos, s => s.TicksReceived),
            ParseErrors = SumLong(silos, s => s.ParseErrors),
            Reconnects = SumLong(silos, s => s.Reconnects),
            DispatchPending = SumLong(silos, s => s.DispatchPending),
            DispatchDropped = SumLong(silos, s => s.DispatchDropped),
            // Not a sum: redundant feeds each hold their dispatcher to the same writers' pace (their copies of a tick
            // are one row), so the cluster's pace is any one of them; the highest, if they differ.
            DispatchPacedTo = silos.Max(s => s.DispatchPacedTo),
            PublishedPerSecond = SumDouble(silos, s => s.PublishedPerSecond),
            Published = SumLong(silos, s => s.Published),
            PublishBuffered = SumLong(silos, s => s.PublishBuffered),
            PublishSpoolPending = SumLong(silos, s => s.PublishSpoolPending),
            PublishDropped = SumLong(silos, s => s.PublishDropped),
            RowsWrittenPerSecond = SumDouble(silos, s => s.RowsWrittenPerSecond),
            RowsWritten = SumLong(silos, s => s.RowsWritten),
            WriteFailures = SumLong(silos, s => s.WriteFailures),
            DeadLettered = SumLong(silos, s => s.DeadLettered),
            DatabaseAvailable = All(silos, s => s.DatabaseAvailable),
            KafkaLag = SumLong(silos, s => s.KafkaLag),
            KafkaExpired = SumLong(silos, s => s.KafkaExpired),
            DuplicatesDropped = SumLong(silos, s => s.DuplicatesDropped),
            LateAccepted = SumLong(silos, s => s.LateAccepted),
            TooOld = SumLong(silos, s => s.TooOld),
            TradesReceived = SumLong(silos, s => s.TradesReceived),
            TradesPublished = SumLong(silos, s => s.TradesPublished),
            TradesSpoolPending = SumLong(silos, s => s.TradesSpoolPending),
            TradeRowsWritten = SumLong(silos, s => s.TradeRowsWritten),
            LastError = latestError?.LastError,
            LastErrorAt = latestError?.LastErrorAt,
            LastErrorSource = latestError?.LastErrorSource,
            LastErrorSilo = latestError?.Silo,
        };
    }

    private static long? SumLong(IReadOnlyList<SiloPipelineStats> silos, Func<SiloPipelineStats, long?> value)
    {
        long? total = null;
        foreach (var s in silos)
        {
            if (value(s) is { } v)
            {
                total = (total ?? 0) + v;
            }
        }

        return total;
    }

    private static int? SumInt(IReadOnlyList<SiloPipelineStats> silos, Func<SiloPipelineStats, int?> value) =>
        (int?)SumLong(silos, s => value(s));

    private static double? SumDouble(IReadOnlyList<SiloPipelineStats> silos, Func<SiloPipelineStats, double?> value)
    {
        double? total = null;
        foreach (var s in silos)
        {
            if (value(s) is { } v)
            {
                total = (total ?? 0) + v;
            }
        }

        return total is { } t ? Math.Round(t, 1) : null;
    }

    private static bool? Any(IReadOnlyList<SiloPipelineStats> silos, Func<SiloPipelineStats, bool?> value)
    {
        bool? result = null;
        foreach (var s in silos)
        {
            if (value(s) is { } v)
            {
                result = (result ?? false) || v;
            }
        }

        return result;
    }

    private static bool? All(IReadOnlyList<SiloPipelineStats> silos, Func<SiloPipelineStats, bool?> value)
    {
        bool? result = null;
        foreach (var s in silos)
        {
            if (value(s) is { } v)
            {
                result = (result ?? true) && v;
            }
        }

        return result;
    }
}
