namespace Laevitas.Feed.Settlements;

/// <summary>
/// Delivery prices could not be fetched: the exchange could not be reached, the session ended, it answered with an
/// error (<see cref="ErrorCode"/>, e.g. -32602 for an index it does not know, 10028 when rate limited) or with a
/// result that cannot be read. The caller retries later; nothing of a failed fetch is stored.
/// </summary>
public sealed class DeliveryPriceFetchException : Exception
{
    public DeliveryPriceFetchException()
    {
    }

    public DeliveryPriceFetchException(string message)
        : base(message)
    {
    }

    public DeliveryPriceFetchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DeliveryPriceFetchException(string message, int errorCode)
        : base(message)
    {
        ErrorCode = errorCode;
    }

    /// <summary>The exchange's JSON-RPC error code, 0 when the failure was not an error answer.</summary>
    public int ErrorCode { get; }
}
