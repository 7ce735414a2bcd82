namespace Laevitas.Grains.Publishing;

/// <summary>Names of the publisher's instruments on the <c>Laevitas</c> meter.</summary>
public static class PublisherMetrics
{
    public const string MeterName = "Laevitas";
    public const string Published = "laevitas.publish.published";
    public const string Buffered = "laevitas.publish.buffered";
    public const string Spooled = "laevitas.publish.spooled";
    public const string SpoolPending = "laevitas.publish.spool.pending";
    public const string SpoolBytes = "laevitas.publish.spool.bytes";
    public const string Dropped = "laevitas.publish.dropped";
    public const string DeliveryErrors = "laevitas.publish.delivery_errors";
    public const string Rejected = "laevitas.publish.rejected";
}
