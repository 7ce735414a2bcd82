namespace Laevitas.Feed;

/// <summary>
/// The <c>state</c> of an <c>instrument.state.{kind}.{currency}</c> notification (Deribit's lifecycle of a listing:
/// https://docs.deribit.com/subscriptions/market-data/instrumentstatekindcurrency).
/// </summary>
public enum ListingState
{
    /// <summary>A state this feed does not know; counted, otherwise ignored (the poll reconciles).</summary>
    Other,
    Created,
    Started,

    /// <summary>The current AsyncAPI page's example state (a book open for trading); treated like <see cref="Started"/>.</summary>
    Open,
    Settled,
    Closed,
    Deactivated,
    Terminated,
}

/// <summary>What the feed does with each <see cref="ListingState"/>, and its wire and metric-tag names.</summary>
internal static class ListingStates
{
    public static readonly ListingState[] All = Enum.GetValues<ListingState>();

    /// <summary>The instrument is (about to be) traded: follow it now rather than at the next poll.</summary>
    public static bool Opens(this ListingState state) => state is ListingState.Created or ListingState.Started or ListingState.Open;

    /// <summary>
    /// The instrument is gone for good: drop it now rather than at the next poll. Not <see cref="ListingState.Settled"/>
    /// or <see cref="ListingState.Closed"/>: an expiring instrument still sends its last ticker (with
    /// <c>delivery_price</c>) around settlement, and whether a perpetual's daily settlement is announced as
    /// <c>settled</c> is not documented; dropping on those could lose that ticker or a whole perpetual until the next
    /// poll. The poll drops what leaves the listing anyway.
    /// </summary>
    public static bool Ends(this ListingState state) => state is ListingState.Deactivated or ListingState.Terminated;

    /// <summary>The wire value (lower case), also the <c>state</c> tag of <c>laevitas.feed.listing_events</c>.</summary>
    public static string Name(this ListingState state) => state.ToString().ToLowerInvariant();

    public static ListingState Parse(ReadOnlySpan<byte> utf8)
    {
        foreach (var state in All)
        {
            if (state != ListingState.Other && System.Text.Ascii.EqualsIgnoreCase(utf8, state.Name()))
            {
                return state;
            }
        }

        return ListingState.Other;
    }
}
